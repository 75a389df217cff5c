package io.github.connectionhandling.web;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The async context of a request, as the application sees it. It records the listeners
 * the application adds (Spring's {@code StandardServletAsyncWebRequest} among them), so
 * that an abort or a timeout can be delivered to them as {@code onError}: exactly what
 * the container does when it notices a failed write. Spring then fires the error and
 * completion callbacks of {@code DeferredResult}s and emitters and cancels
 * {@code Callable}s.
 * <p>
 * Each application listener is wrapped so that the request's status is bound while it
 * runs on a container thread; a listener of its own finishes the request on completion
 * when no dispatch did.
 */
final class StatusAsyncContext implements AsyncContext {

	private static final Log logger = LogFactory.getLog(StatusAsyncContext.class);

	private final AsyncContext delegate;

	private final RequestHandle handle;

	private final List<Registered> listeners = new CopyOnWriteArrayList<>();

	private final @Nullable ServletRequest request;

	private final @Nullable ServletResponse response;

	StatusAsyncContext(AsyncContext delegate, RequestHandle handle, RequestLifecycle lifecycle) {
		this.delegate = delegate;
		this.handle = handle;
		// Taken now: once a fast async task dispatched, Tomcat no longer gives them out,
		// though filters still add listeners on their way back.
		ServletRequest request = null;
		ServletResponse response = null;
		try {
			request = delegate.getRequest();
			response = delegate.getResponse();
		}
		catch (IllegalStateException ex) {
			// Wrapped after a dispatch (async started behind the filter's back): the event
			// then carries only the failure, which is all Spring's listeners read.
		}
		this.request = request;
		this.response = response;
		delegate.addListener(new Finisher(handle, lifecycle));
	}

	AsyncContext delegate() {
		return this.delegate;
	}

	/**
	 * Tell the application's listeners that the request failed, as the container would
	 * after a failed write. Each listener is told once: a stop that comes while the
	 * application is still adding listeners reaches those added later when the dispatch
	 * that started async calls this again.
	 * @param failure the cause
	 */
	void fail(Throwable failure) {
		for (Registered registered : this.listeners) {
			if (!registered.failed.compareAndSet(false, true)) {
				continue;
			}
			AsyncEvent event = new AsyncEvent(this, registered.request, registered.response, failure);
			try (CurrentRequest.Binding binding = CurrentRequest.bindListener(this.handle)) {
				registered.listener.onError(event);
			}
			catch (IOException | RuntimeException ex) {
				logger.debug("Async listener failed on a stopped request", ex);
			}
		}
	}

	@Override
	public void addListener(AsyncListener listener) {
		this.listeners.add(new Registered(listener, this.request, this.response));
		this.delegate.addListener(new Bound(listener, this.handle));
	}

	@Override
	public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
		this.listeners.add(new Registered(listener, request, response));
		this.delegate.addListener(new Bound(listener, this.handle), request, response);
	}

	@Override
	public ServletRequest getRequest() {
		return this.delegate.getRequest();
	}

	@Override
	public ServletResponse getResponse() {
		return this.delegate.getResponse();
	}

	@Override
	public boolean hasOriginalRequestAndResponse() {
		return this.delegate.hasOriginalRequestAndResponse();
	}

	@Override
	public void dispatch() {
		this.delegate.dispatch();
	}

	@Override
	public void dispatch(String path) {
		this.delegate.dispatch(path);
	}

	@Override
	public void dispatch(@Nullable ServletContext context, String path) {
		this.delegate.dispatch(context, path);
	}

	@Override
	public void complete() {
		this.delegate.complete();
	}

	@Override
	public void start(Runnable run) {
		this.delegate.start(run);
	}

	@Override
	public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
		return this.delegate.createListener(clazz);
	}

	@Override
	public void setTimeout(long timeout) {
		this.delegate.setTimeout(timeout);
	}

	@Override
	public long getTimeout() {
		return this.delegate.getTimeout();
	}

	private record Registered(AsyncListener listener, @Nullable ServletRequest request,
			@Nullable ServletResponse response, AtomicBoolean failed) {

		Registered(AsyncListener listener, @Nullable ServletRequest request, @Nullable ServletResponse response) {
			this(listener, request, response, new AtomicBoolean());
		}

	}

	/** An application listener, run with the request's status bound. */
	private record Bound(AsyncListener listener, RequestHandle handle) implements AsyncListener {

		@Override
		public void onComplete(AsyncEvent event) throws IOException {
			try (CurrentRequest.Binding binding = CurrentRequest.bindListener(this.handle)) {
				this.listener.onComplete(event);
			}
		}

		@Override
		public void onTimeout(AsyncEvent event) throws IOException {
			try (CurrentRequest.Binding binding = CurrentRequest.bindListener(this.handle)) {
				this.listener.onTimeout(event);
			}
		}

		@Override
		public void onError(AsyncEvent event) throws IOException {
			try (CurrentRequest.Binding binding = CurrentRequest.bindListener(this.handle)) {
				this.listener.onError(event);
			}
		}

		@Override
		public void onStartAsync(AsyncEvent event) throws IOException {
			try (CurrentRequest.Binding binding = CurrentRequest.bindListener(this.handle)) {
				this.listener.onStartAsync(event);
			}
		}

	}

	/** Finishes the request on completion, if no dispatch finished it before. */
	private record Finisher(RequestHandle handle, RequestLifecycle lifecycle) implements AsyncListener {

		@Override
		public void onComplete(AsyncEvent event) {
			this.lifecycle.finish(this.handle);
		}

		@Override
		public void onTimeout(AsyncEvent event) {
		}

		@Override
		public void onError(AsyncEvent event) {
			// The container's own error event (the starter's reach the application's
			// listeners directly, not this one): a failed write or a reset stream is an
			// abort. First among the listeners, so Spring's error handling (which
			// cancels a Callable) already sees the status set.
			Disconnects.signalIfDisconnect(this.handle, event.getThrowable());
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			// Async started again on an async dispatch: the container dropped us.
			event.getAsyncContext().addListener(this);
		}

	}

}
