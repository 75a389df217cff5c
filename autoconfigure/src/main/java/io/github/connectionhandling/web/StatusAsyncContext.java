package io.github.connectionhandling.web;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
 * Its own listeners bind the request's status to container threads while they run
 * listeners (first) and finish the request on completion (last).
 */
final class StatusAsyncContext implements AsyncContext {

	private static final Log logger = LogFactory.getLog(StatusAsyncContext.class);

	private final AsyncContext delegate;

	private final RequestHandle handle;

	private final List<Registered> listeners = new CopyOnWriteArrayList<>();

	StatusAsyncContext(AsyncContext delegate, RequestHandle handle) {
		this.delegate = delegate;
		this.handle = handle;
		delegate.addListener(new Binder(handle));
	}

	AsyncContext delegate() {
		return this.delegate;
	}

	/**
	 * Add the listener that unbinds and finishes the request; added by the filter once
	 * the dispatch that started async returns, so that it runs after the application's.
	 * @param lifecycle the lifecycle
	 */
	void addFinisher(RequestLifecycle lifecycle) {
		this.delegate.addListener(new Finisher(this.handle, lifecycle));
	}

	/**
	 * Tell the application's listeners that the request failed, as the container would
	 * after a failed write.
	 * @param failure the cause
	 */
	void fail(Throwable failure) {
		for (Registered registered : this.listeners) {
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
		this.delegate.addListener(listener);
		ServletRequest request;
		ServletResponse response;
		try {
			request = this.delegate.getRequest();
			response = this.delegate.getResponse();
		}
		catch (IllegalStateException ex) {
			// An abort made Spring call dispatch() before the dispatch that started async
			// returned through the filters that add listeners: Tomcat no longer gives the
			// request out, though adding listeners is still allowed. The event then
			// carries only the failure, which is all Spring's listeners read.
			request = null;
			response = null;
		}
		this.listeners.add(new Registered(listener, request, response));
	}

	@Override
	public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
		this.listeners.add(new Registered(listener, request, response));
		this.delegate.addListener(listener, request, response);
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
			@Nullable ServletResponse response) {
	}

	/** First listener: binds the status for the listeners that follow. */
	private static final class Binder implements AsyncListener {

		private final RequestHandle handle;

		Binder(RequestHandle handle) {
			this.handle = handle;
		}

		@Override
		public void onComplete(AsyncEvent event) {
			Bindings.open(this.handle);
		}

		@Override
		public void onTimeout(AsyncEvent event) {
			Bindings.open(this.handle);
		}

		@Override
		public void onError(AsyncEvent event) {
			Bindings.open(this.handle);
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			// Async started again on an async dispatch: the container dropped us.
			event.getAsyncContext().addListener(this);
		}

	}

	/** Last listener: unbinds, and on completion finishes the request. */
	private static final class Finisher implements AsyncListener {

		private final RequestHandle handle;

		private final RequestLifecycle lifecycle;

		Finisher(RequestHandle handle, RequestLifecycle lifecycle) {
			this.handle = handle;
			this.lifecycle = lifecycle;
		}

		@Override
		public void onComplete(AsyncEvent event) {
			try {
				this.lifecycle.finish(this.handle);
			}
			finally {
				Bindings.close();
			}
		}

		@Override
		public void onTimeout(AsyncEvent event) {
			Bindings.close();
		}

		@Override
		public void onError(AsyncEvent event) {
			Bindings.close();
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			event.getAsyncContext().addListener(this);
		}

	}

	/** The binding opened by {@link Binder} and closed by {@link Finisher} on one thread. */
	private static final class Bindings {

		private static final ThreadLocal<CurrentRequest.@Nullable Binding> open = new ThreadLocal<>();

		static void open(RequestHandle handle) {
			close();
			open.set(CurrentRequest.bindListener(handle));
		}

		static void close() {
			CurrentRequest.Binding binding = open.get();
			if (binding != null) {
				open.remove();
				binding.close();
			}
		}

	}

}
