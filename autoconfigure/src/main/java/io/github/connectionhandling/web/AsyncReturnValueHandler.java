package io.github.connectionhandling.web;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.context.request.async.AsyncWebRequest;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncUtils;
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
 * async timeout. A reactive value ({@code Mono}, {@code Flux}, a {@code suspend}
 * function's result, any type of the adapter's {@link ReactiveAdapterRegistry}, also as a
 * {@code ResponseEntity} body) is handed on with a subscription that the stop cancels. Put in front of the adapter's own handlers; it delegates to them.
 */
final class AsyncReturnValueHandler implements HandlerMethodReturnValueHandler {

	/** The request attribute that holds the async timeout the application chose. */
	static final String EXPLICIT_TIMEOUT = AsyncReturnValueHandler.class.getName() + ".timeout";

	/** The private field of {@link DeferredResult} that holds its timeout (see {@link WebRuntimeHints}). */
	static final String DEFERRED_RESULT_TIMEOUT = "timeoutValue";

	private static final Log logger = LogFactory.getLog(AsyncReturnValueHandler.class);

	private static final @Nullable Field deferredResultTimeout = timeoutField();

	private static final boolean REACTIVE_STREAMS = ClassUtils.isPresent("org.reactivestreams.Publisher",
			AsyncReturnValueHandler.class.getClassLoader());

	private final List<HandlerMethodReturnValueHandler> delegates;

	/** Reactive return values, {@code null} without Reactive Streams. */
	private final @Nullable ReactiveStops reactive;

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

	private AsyncReturnValueHandler(List<HandlerMethodReturnValueHandler> delegates,
			ReactiveAdapterRegistry registry) {
		this.delegates = delegates;
		this.reactive = REACTIVE_STREAMS ? new ReactiveStops(registry) : null;
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
		installed.add(new AsyncReturnValueHandler(List.copyOf(handlers), adapter.getReactiveAdapterRegistry()));
		installed.addAll(handlers);
		adapter.setReturnValueHandlers(installed);
	}

	@Override
	public boolean supportsReturnType(MethodParameter returnType) {
		Class<?> type = returnType.getParameterType();
		return (Future.class.isAssignableFrom(type) || CompletionStage.class.isAssignableFrom(type)
				|| DeferredResult.class.isAssignableFrom(type) || WebAsyncTask.class.isAssignableFrom(type)
				|| ResponseBodyEmitter.class.isAssignableFrom(type) || isReactive(returnType))
				&& delegateFor(returnType) != null;
	}

	/** A reactive type, or a {@code ResponseEntity} of one. */
	private boolean isReactive(MethodParameter returnType) {
		if (this.reactive == null) {
			return false;
		}
		Class<?> type = returnType.getParameterType();
		if (ResponseEntity.class.isAssignableFrom(type)) {
			type = ResolvableType.forMethodParameter(returnType).getGeneric().resolve();
		}
		return this.reactive.isReactive(type);
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
			else if (returnValue != null) {
				returnValue = stoppable(returnValue, handle, webRequest);
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

	private Object stoppable(Object returnValue, RequestHandle handle, NativeWebRequest webRequest) {
		ReactiveStops reactive = this.reactive;
		if (reactive == null) {
			return returnValue;
		}
		AsyncWebRequest asyncRequest = WebAsyncUtils.getAsyncManager(webRequest).getAsyncWebRequest();
		Consumer<Runnable> onEnd = (asyncRequest != null) ? asyncRequest::addCompletionHandler : (action) -> {
		};
		if (returnValue instanceof ResponseEntity<?> entity) {
			Object body = entity.getBody();
			if (body != null && reactive.isReactive(body.getClass())) {
				return new ResponseEntity<>(reactive.stoppable(body, handle, onEnd), entity.getHeaders(),
						entity.getStatusCode());
			}
			return entity;
		}
		return reactive.isReactive(returnValue.getClass()) ? reactive.stoppable(returnValue, handle, onEnd) : returnValue;
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
