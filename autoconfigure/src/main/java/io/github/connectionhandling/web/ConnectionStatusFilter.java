package io.github.connectionhandling.web;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Opens each request's {@link ConnectionStatus} on its first dispatch, binds it to the
 * thread on every dispatch (request, async, error), and finishes it once when the work
 * ends: after the dispatch for a blocking handler, on async completion otherwise.
 */
public final class ConnectionStatusFilter implements Filter {

	private static final Log logger = LogFactory.getLog(ConnectionStatusFilter.class);

	private final RequestLifecycle lifecycle;

	private final @Nullable ServerConnections connections;

	private final int timeoutStatus;

	private final boolean governAsyncTimeout;

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
			guardedResponse = new GuardedResponse(response, handle);
			handle.addStopAction(new Stopper(statusRequest, guardedResponse, this.timeoutStatus));
		}
		else {
			if (statusRequest == null) {
				statusRequest = new StatusRequest(request, handle, this.lifecycle, false);
			}
			if (guardedResponse == null) {
				guardedResponse = new GuardedResponse(response, handle);
			}
		}
		try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
			chain.doFilter(statusRequest, guardedResponse);
		}
		finally {
			if (handle.bits() != 0) {
				guardedResponse.closeConnectionAfterwards();
			}
			if (first) {
				if (request.isAsyncStarted()) {
					StatusAsyncContext context = statusRequest.wrap(request.getAsyncContext());
					context.addFinisher(this.lifecycle);
					if (this.governAsyncTimeout) {
						context.setTimeout(asyncTimeout(request));
					}
				}
				else {
					this.lifecycle.finish(handle);
				}
			}
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
	private static final class Stopper implements io.github.connectionhandling.request.StopAction {

		private final StatusRequest request;

		private final GuardedResponse response;

		private final int timeoutStatus;

		Stopper(StatusRequest request, GuardedResponse response, int timeoutStatus) {
			this.request = request;
			this.response = response;
			this.timeoutStatus = timeoutStatus;
		}

		@Override
		public void stop(int bits) throws IOException {
			RequestHandle handle = this.request.handle();
			if ((bits & ConnectionStatus.TIMEOUT) != 0 && !handle.isResponded()
					&& !this.response.answerTimeout(this.timeoutStatus)) {
				// Dismissed by us: the close that follows is not the client's abort.
				handle.markResponded();
				closeConnection(handle.getConnection());
			}
			StatusAsyncContext context = this.request.statusAsyncContext();
			if (context != null) {
				context.fail(new RequestStoppedException(bits));
			}
		}

		private static void closeConnection(@Nullable ContainerConnection connection) {
			if (connection == null) {
				return;
			}
			SocketChannel channel = connection.channel();
			try {
				if (channel != null) {
					// A half-close at the socket: the client sees the end of the stream, and
					// the container, whose thread may still be writing, fails its next write
					// and closes the connection itself.
					channel.shutdownOutput();
					channel.shutdownInput();
				}
				else {
					connection.close();
				}
			}
			catch (IOException ex) {
				logger.debug("Cannot close " + connection, ex);
			}
		}

	}

}
