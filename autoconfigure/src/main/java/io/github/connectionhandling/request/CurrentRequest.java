package io.github.connectionhandling.request;

import io.github.connectionhandling.ConnectionStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Which request the calling thread works for. Bound by the servlet filter on request and
 * async dispatches, and by the async interceptors and task decorator on threads that run
 * a request's async work.
 */
public final class CurrentRequest {

	/** The request attribute that holds a request's {@link RequestHandle}. */
	public static final String ATTRIBUTE = ConnectionStatus.class.getName();

	private static final ThreadLocal<@Nullable RequestHandle> current = new ThreadLocal<>();

	private static final boolean springWebPresent = ClassUtils
		.isPresent("org.springframework.web.context.request.RequestContextHolder", CurrentRequest.class.getClassLoader());

	private CurrentRequest() {
	}

	/**
	 * Return the status of the request the calling thread works for.
	 * @return the status
	 * @throws IllegalStateException outside a request
	 */
	public static ConnectionStatus status() {
		RequestHandle handle = handle();
		if (handle == null) {
			throw new IllegalStateException("No ConnectionStatus: the calling thread ("
					+ Thread.currentThread().getName() + ") works for no HTTP request. ConnectionStatus.current() "
					+ "works on a request's thread and on threads running its async work (Callable, "
					+ "WebAsyncTask, @Async and task executors decorated by the starter); pass the status "
					+ "explicitly to other threads.");
		}
		return handle.status();
	}

	/**
	 * Return the handle of the request the calling thread works for, if any.
	 * @return the handle or {@code null}
	 */
	public static @Nullable RequestHandle handle() {
		RequestHandle handle = current.get();
		if (handle != null) {
			return handle;
		}
		// Spring binds request attributes on some threads we do not (e.g. with
		// inheritable RequestContextFilter); use them as a fallback.
		if (!springWebPresent) {
			return null;
		}
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (attributes != null
				&& attributes.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof RequestHandle h) {
			return h;
		}
		return null;
	}

	/**
	 * Bind the calling thread to a request until the returned binding is closed. The
	 * thread becomes one of the request's workers: it is interrupted when the request's
	 * work is stopped, and never after the binding is closed.
	 * @param handle the request
	 * @return the binding, to close in a {@code finally} block on the same thread
	 */
	public static Binding bind(RequestHandle handle) {
		RequestHandle previous = current.get();
		current.set(handle);
		boolean worker = handle.attachWorker(Thread.currentThread());
		return new Binding(handle, previous, worker);
	}

	/**
	 * Bind the calling thread to a request without making it a worker: for container
	 * threads that run the request's async listeners, which must never be interrupted.
	 * @param handle the request
	 * @return the binding, to close on the same thread
	 */
	public static Binding bindListener(RequestHandle handle) {
		RequestHandle previous = current.get();
		current.set(handle);
		return new Binding(handle, previous, false);
	}

	/** Bind or unbind the calling thread, as a listener (never interrupted). */
	static void rebind(@Nullable RequestHandle handle) {
		if (handle != null) {
			current.set(handle);
		}
		else {
			current.remove();
		}
	}

	/**
	 * A thread's binding to a request.
	 */
	public static final class Binding implements AutoCloseable {

		private final RequestHandle handle;

		private final @Nullable RequestHandle previous;

		private final boolean worker;

		private Binding(RequestHandle handle, @Nullable RequestHandle previous, boolean worker) {
			this.handle = handle;
			this.previous = previous;
			this.worker = worker;
		}

		/**
		 * Unbind the calling thread and clear its interrupt flag, so that an interrupt
		 * meant to stop this request's work never reaches the thread's next task.
		 */
		@Override
		public void close() {
			if (this.worker) {
				this.handle.detachWorker(Thread.currentThread());
				Thread.interrupted();
			}
			if (this.previous != null) {
				current.set(this.previous);
			}
			else {
				current.remove();
			}
		}

	}

}
