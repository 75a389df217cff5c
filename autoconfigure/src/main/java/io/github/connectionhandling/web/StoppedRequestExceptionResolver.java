package io.github.connectionhandling.web;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Resolves what a stopped request's work threw while it was being stopped
 * ({@code InterruptedException}, {@link RequestStoppedException}, a failed write): its
 * client is gone or has had its answer, so there is nothing to render. A
 * {@link RequestStoppedException} is the expected way out and stays quiet; anything else
 * is logged at debug with its request, so that a real bug thrown after a stop can still
 * be found.
 */
final class StoppedRequestExceptionResolver implements HandlerExceptionResolver, Ordered {

	private static final Log logger = LogFactory.getLog(StoppedRequestExceptionResolver.class);

	@Override
	public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		if (ex instanceof RequestStoppedException) {
			return new ModelAndView();
		}
		if (request.getAttribute(CurrentRequest.ATTRIBUTE) instanceof RequestHandle handle && handle.isStopped()) {
			if (logger.isDebugEnabled()) {
				logger.debug("Request " + handle.getId() + " (" + handle.getInfo().method() + " "
						+ handle.getInfo().uri() + "), stopped with status " + handle.bits() + ", threw", ex);
			}
			return new ModelAndView();
		}
		return null;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
