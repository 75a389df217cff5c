package io.github.connectionhandling.web;

import java.util.concurrent.Callable;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

/**
 * Binds the request's status to the thread that runs a {@code Callable},
 * {@code WebAsyncTask} or {@code StreamingResponseBody}, making it one of the request's
 * workers (interrupted when the work is stopped, its interrupt flag cleared afterwards).
 */
final class StatusCallableInterceptor implements CallableProcessingInterceptor {

	private final ThreadLocal<CurrentRequest.@Nullable Binding> bindings = new ThreadLocal<>();

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		if (request.getAttribute(CurrentRequest.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof RequestHandle h) {
			this.bindings.set(CurrentRequest.bind(h));
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, @Nullable Object concurrentResult) {
		CurrentRequest.Binding binding = this.bindings.get();
		if (binding != null) {
			this.bindings.remove();
			binding.close();
		}
	}

}
