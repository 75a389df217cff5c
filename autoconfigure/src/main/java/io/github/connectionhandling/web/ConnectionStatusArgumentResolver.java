package io.github.connectionhandling.web;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Resolves a {@link ConnectionStatus} handler method parameter to the request's status.
 */
final class ConnectionStatusArgumentResolver implements HandlerMethodArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return ConnectionStatus.class == parameter.getParameterType();
	}

	@Override
	public Object resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
			NativeWebRequest webRequest, @Nullable WebDataBinderFactory binderFactory) {
		Object status = webRequest.getAttribute(CurrentRequest.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		if (status instanceof RequestHandle handle) {
			return handle.status();
		}
		throw new IllegalStateException("No ConnectionStatus for this request: the connection handling filter did "
				+ "not run (is it registered? MockMvc built by hand needs it added with addFilters)");
	}

}
