package io.github.connectionhandling.web;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Looks at a handler's async return value before Spring MVC handles it: a
 * {@code CompletableFuture} (or any {@link Future}) is cancelled when its request is
 * stopped (Spring adapts it to a {@code DeferredResult} but never cancels it), and the
 * timeout the application gave a {@link DeferredResult}, {@link WebAsyncTask} or
 * {@link ResponseBodyEmitter} is recorded, so that the filter keeps it as the container's
 * async timeout. Put in front of the adapter's own handlers; it delegates to them.
 */
final class AsyncReturnValueHandler implements HandlerMethodReturnValueHandler {

	/** The request attribute that holds the async timeout the application chose. */
	static final String EXPLICIT_TIMEOUT = AsyncReturnValueHandler.class.getName() + ".timeout";

	/** The private field of {@link DeferredResult} that holds its timeout (see {@link WebRuntimeHints}). */
	static final String DEFERRED_RESULT_TIMEOUT = "timeoutValue";

	private static final Log logger = LogFactory.getLog(AsyncReturnValueHandler.class);

	private static final @Nullable Field deferredResultTimeout = timeoutField();

	private final List<HandlerMethodReturnValueHandler> delegates;

	private static @Nullable Field timeoutField() {
		try {
			Field field = ReflectionUtils.findField(DeferredResult.class, DEFERRED_RESULT_TIMEOUT, Long.class);
			if (field != null) {
				ReflectionUtils.makeAccessible(field);
				return field;
			}
		}
		// Errors too: a native image without the hint throws one.
		catch (RuntimeException | LinkageError ex) {
			logger.debug("Cannot read DeferredResult." + DEFERRED_RESULT_TIMEOUT, ex);
		}
		logger.warn("This Spring Framework version has no readable DeferredResult." + DEFERRED_RESULT_TIMEOUT
				+ "; a DeferredResult's own timeout is not kept as the container's async timeout");
		return null;
	}

	private AsyncReturnValueHandler(List<HandlerMethodReturnValueHandler> delegates) {
		this.delegates = delegates;
	}

	/**
	 * Put a cancelling handler in front of an adapter's return value handlers.
	 * @param adapter the adapter
	 */
	static void install(RequestMappingHandlerAdapter adapter) {
		List<HandlerMethodReturnValueHandler> handlers = adapter.getReturnValueHandlers();
		if (handlers == null || (!handlers.isEmpty() && handlers.get(0) instanceof AsyncReturnValueHandler)) {
			return;
		}
		List<HandlerMethodReturnValueHandler> installed = new ArrayList<>(handlers.size() + 1);
		installed.add(new AsyncReturnValueHandler(List.copyOf(handlers)));
		installed.addAll(handlers);
		adapter.setReturnValueHandlers(installed);
	}

	@Override
	public boolean supportsReturnType(MethodParameter returnType) {
		Class<?> type = returnType.getParameterType();
		return (Future.class.isAssignableFrom(type) || CompletionStage.class.isAssignableFrom(type)
				|| DeferredResult.class.isAssignableFrom(type) || WebAsyncTask.class.isAssignableFrom(type)
				|| ResponseBodyEmitter.class.isAssignableFrom(type)) && delegateFor(returnType) != null;
	}

	@Override
	public void handleReturnValue(@Nullable Object returnValue, MethodParameter returnType,
			ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
		if (webRequest.getAttribute(CurrentRequest.ATTRIBUTE,
				RequestAttributes.SCOPE_REQUEST) instanceof RequestHandle handle) {
			if (returnValue instanceof Future<?> future) {
				handle.addStopAction((bits) -> future.cancel(true));
			}
			else if (returnValue instanceof CompletionStage<?> stage) {
				handle.addStopAction((bits) -> stage.toCompletableFuture().cancel(true));
			}
		}
		Long timeout = (returnValue instanceof DeferredResult<?> result) ? timeoutOf(result)
				: (returnValue instanceof WebAsyncTask<?> task) ? task.getTimeout()
						: (returnValue instanceof ResponseBodyEmitter emitter) ? emitter.getTimeout() : null;
		if (timeout != null) {
			webRequest.setAttribute(EXPLICIT_TIMEOUT, timeout, RequestAttributes.SCOPE_REQUEST);
		}
		HandlerMethodReturnValueHandler delegate = delegateFor(returnType);
		if (delegate == null) {
			throw new IllegalStateException("No handler for return type " + returnType.getParameterType());
		}
		delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
	}

	private static @Nullable Long timeoutOf(DeferredResult<?> result) {
		// DeferredResult's getter is not public.
		if (deferredResultTimeout == null) {
			return null;
		}
		return (Long) ReflectionUtils.getField(deferredResultTimeout, result);
	}

	private @Nullable HandlerMethodReturnValueHandler delegateFor(MethodParameter returnType) {
		for (HandlerMethodReturnValueHandler delegate : this.delegates) {
			if (delegate.supportsReturnType(returnType)) {
				return delegate;
			}
		}
		return null;
	}

}
