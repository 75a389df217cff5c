package io.github.connectionhandling.web;

import java.io.IOException;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.request.StopAction;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;

/**
 * Opens each request's {@link ConnectionStatus} on its first dispatch, binds it to the
 * thread on every dispatch (request, async, error), and finishes it once when the work
 * ends: after the last dispatch, before the container completes the response, or on
 * async completion when no dispatch ends it (e.g. {@code AsyncContext.complete()}).
 */
public final class ConnectionStatusFilter implements Filter {

	/**
	 * The filter's order: right after Spring Boot's {@code ServerHttpObservationFilter}
	 * ({@code HIGHEST_PRECEDENCE + 1}), which does not wrap the request, so that a
	 * request is finished, its status final, before that filter stops the request's
	 * {@code http.server.requests} observation; and before any filter that wraps the
	 * request (the container's own request leads to its connection), Spring Security's
	 * chain ({@code -100}) included.
	 */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

	private final RequestLifecycle lifecycle;

	private final @Nullable ServerConnections connections;

	private final int timeoutStatus;

	private final boolean governAsyncTimeout;

	private final TimeoutProblems problems;

	/**
	 * Create the filter.
	 * @param lifecycle the request lifecycle
	 * @param connections the servers' connections, {@code null} when detection is off
	 * @param timeoutStatus the status sent when a time limit runs out
	 * @param governAsyncTimeout whether time limits are enforced, and so replace the
	 * container's async timeout
	 */
	public ConnectionStatusFilter(RequestLifecycle lifecycle, @Nullable ServerConnections connections,
			int timeoutStatus, boolean governAsyncTimeout) {
		this(lifecycle, connections, timeoutStatus, governAsyncTimeout, TimeoutProblems.PLAIN);
	}

	/**
	 * Create the filter.
	 * @param lifecycle the request lifecycle
	 * @param connections the servers' connections, {@code null} when detection is off
	 * @param timeoutStatus the status sent when a time limit runs out
	 * @param governAsyncTimeout whether time limits are enforced, and so replace the
	 * container's async timeout
	 * @param problems renders the answer to a timed-out request
	 */
	public ConnectionStatusFilter(RequestLifecycle lifecycle, @Nullable ServerConnections connections,
			int timeoutStatus, boolean governAsyncTimeout, TimeoutProblems problems) {
		this.problems = problems;
		this.lifecycle = lifecycle;
		this.connections = connections;
		this.timeoutStatus = timeoutStatus;
		this.governAsyncTimeout = governAsyncTimeout;
	}

	@Override
	public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
			throws IOException, ServletException {
		if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
			chain.doFilter(req, res);
			return;
		}
		StatusRequest statusRequest = find(request, StatusRequest.class);
		GuardedResponse guardedResponse = find(response, GuardedResponse.class);
		RequestHandle handle = (statusRequest != null) ? statusRequest.handle()
				: (RequestHandle) request.getAttribute(CurrentRequest.ATTRIBUTE);
		boolean first = handle == null;
		if (handle == null) {
			boolean bodyPending = StatusRequest.hasBody(request);
			ContainerConnection connection = (this.connections != null) ? this.connections.connectionOf(request)
					: null;
			handle = this.lifecycle.start(info(request), connection, bodyPending);
			request.setAttribute(CurrentRequest.ATTRIBUTE, handle);
			statusRequest = new StatusRequest(request, handle, this.lifecycle, bodyPending);
			guardedResponse = new GuardedResponse(response, handle, this.problems);
			handle.addStopAction(new Stopper(statusRequest, guardedResponse, this.timeoutStatus));
			if (connection != null && !request.getProtocol().startsWith("HTTP/1")) {
				// Jetty ends an async request on a failed HTTP/2 stream without an async
				// completion event: the end of the exchange finishes it then.
				RequestHandle started = handle;
				connection.onExchangeEnd(() -> this.lifecycle.finish(started));
			}
		}
		else {
			if (statusRequest == null) {
				statusRequest = new StatusRequest(request, handle, this.lifecycle, false);
			}
			if (guardedResponse == null) {
				guardedResponse = new GuardedResponse(response, handle, this.problems);
			}
		}
		try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
			chain.doFilter(statusRequest, guardedResponse);
		}
		finally {
			if (first) {
				// First, so that nothing below can leave stops deferring to a dispatch that
				// is over; from now on a stop fails the async context itself (Stopper).
				statusRequest.endInitialDispatch();
			}
			if (handle.isTimedOut()) {
				// Never hand the container a response the stopping thread is writing.
				guardedResponse.timeOut(this.timeoutStatus, true);
			}
			else if (handle.isAborted() && !request.isAsyncStarted()) {
				// The work was stopped, or its output discarded: no success for it.
				guardedResponse.dismissAborted();
			}
			if (!first && !request.isAsyncStarted()) {
				// The async dispatch that ends the work: finish before the container
				// completes the response, or a client that reads it and closes at once
				// would look like an abort.
				this.lifecycle.finish(handle);
			}
			else if (first) {
				AsyncContext asyncContext = startedAsyncContext(request);
				if (asyncContext != null) {
					// Its work goes on elsewhere: participants follow it off this thread.
					this.lifecycle.leaveThread(handle);
					StatusAsyncContext context = statusRequest.statusAsyncContext();
					if (context == null) {
						// Async was started on the unwrapped request, behind our back;
						// wrapping adds the listener that finishes the request.
						context = statusRequest.wrap(asyncContext);
					}
					if (this.governAsyncTimeout) {
						context.setTimeout(asyncTimeout(request));
					}
					if (handle.isStopped() || statusRequest.stopDeferred()) {
						// Stopped during this dispatch: the stop left the async context
						// to be failed here, once Spring MVC has set up the async
						// handling (and nothing else would end this request now). Also
						// when the handler has since ignored user aborts: its work was
						// stopped already.
						context.fail(new RequestStoppedException(handle.bits()));
					}
				}
				else {
					this.lifecycle.finish(handle);
				}
			}
		}
	}

	/**
	 * Jetty reports a request that is upgrading its connection (HTTP/1.1 Upgrade) as async
	 * started but has no async context for it; the request's work ends with this
	 * dispatch then, as it does on Tomcat.
	 */
	private static @Nullable AsyncContext startedAsyncContext(HttpServletRequest request) {
		if (!request.isAsyncStarted()) {
			return null;
		}
		try {
			return request.getAsyncContext();
		}
		catch (IllegalStateException ex) {
			return null;
		}
	}

	/**
	 * The time limit governs async requests: the container's own async timeout (30 s by
	 * default, or {@code spring.mvc.async.request-timeout}) would fire first behind the
	 * application's back, so it is switched off, unless the application gave this
	 * request's {@code DeferredResult}, {@code WebAsyncTask} or emitter a timeout of its
	 * own.
	 */
	private static long asyncTimeout(HttpServletRequest request) {
		return (request.getAttribute(AsyncReturnValueHandler.EXPLICIT_TIMEOUT) instanceof Long explicit && explicit > 0)
				? explicit : 0;
	}

	private static RequestInfo info(HttpServletRequest request) {
		return new RequestInfo(request.getMethod(), request.getRequestURI(), request.getQueryString(),
				request.getRemoteAddr() + ":" + request.getRemotePort(), request.getProtocol());
	}

	private static <T> @Nullable T find(Object candidate, Class<T> type) {
		Object current = candidate;
		while (true) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
			if (current instanceof ServletRequestWrapper wrapper) {
				current = wrapper.getRequest();
			}
			else if (current instanceof ServletResponseWrapper wrapper) {
				current = wrapper.getResponse();
			}
			else {
				return null;
			}
		}
	}

	/**
	 * Stops a request's servlet-level work: answers a timed-out client (or closes its
	 * connection if the response was committed), and tells async listeners the request
	 * failed, as the container would.
	 */
	private record Stopper(StatusRequest request, GuardedResponse response, int timeoutStatus) implements StopAction {

		@Override
		public void stop(int bits) {
			if (this.request.handle().isFinished()) {
				return; // the exchange is over: nothing left to answer or fail
			}
			if ((bits & ConnectionStatus.TIMEOUT) != 0) {
				this.response.timeOut(this.timeoutStatus, false);
			}
			// Recorded before the dispatch is checked: either the filter, ending the
			// initial dispatch, sees this, or this sees that dispatch over.
			this.request.deferStop();
			StatusAsyncContext context = this.request.statusAsyncContext();
			if (context != null && !this.request.inInitialDispatch()) {
				context.fail(new RequestStoppedException(bits));
			}
		}

	}

}
