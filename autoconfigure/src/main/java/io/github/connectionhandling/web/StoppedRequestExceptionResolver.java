package io.github.connectionhandling.web;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Resolves, quietly, whatever a stopped request's work threw while it was being stopped
 * ({@code InterruptedException}, {@link RequestStoppedException}, a failed write): its
 * client is gone or has had its answer, so there is nothing to render and nothing to log
 * as an error.
 */
final class StoppedRequestExceptionResolver implements HandlerExceptionResolver, Ordered {

	@Override
	public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		if (ex instanceof RequestStoppedException
				|| (request.getAttribute(CurrentRequest.ATTRIBUTE) instanceof RequestHandle handle
						&& handle.isStopped())) {
			return new ModelAndView();
		}
		return null;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
