package io.github.connectionhandling.actuate;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.observation.SlowRequestLog;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.InFlightRequests.Totals;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@link Endpoint @Endpoint} that shows the server's client connections and the requests
 * in flight, live, and aborts a request on demand as if its client had gone.
 * <p>
 * Remote addresses and query strings are shown as {@code show-values} allows, like the
 * {@code env} endpoint: over JMX, {@link Show#WHEN_AUTHORIZED} shows them; over HTTP
 * {@link ConnectionsEndpointWebExtension} decides from the caller's roles.
 */
@Endpoint(id = "connections", defaultAccess = Access.READ_ONLY)
public class ConnectionsEndpoint {

	/** What a request abort from this endpoint is reported as, to participants and meters. */
	public static final String ABORT_REASON = "actuator";

	private final InFlightRequests requests;

	private final @Nullable ServerConnections connections;

	private final @Nullable OrphanReaper orphans;

	private final Show showValues;

	private final @Nullable SlowRequestLog slowRequests;

	/**
	 * Create a new {@link ConnectionsEndpoint} instance.
	 * @param requests the requests in flight and the totals
	 * @param connections the servers' connections, or {@code null} if unknown
	 * @param orphans where orphaned connections are counted, or {@code null} if nowhere
	 * @param showValues when remote addresses and query strings are shown
	 */
	public ConnectionsEndpoint(InFlightRequests requests, @Nullable ServerConnections connections,
			@Nullable OrphanReaper orphans, Show showValues) {
		this(requests, connections, orphans, showValues, null);
	}

	/**
	 * Create a new {@link ConnectionsEndpoint} instance that shows the stacks the
	 * slow-request log recorded.
	 * @param requests the requests in flight and the totals
	 * @param connections the servers' connections, or {@code null} if unknown
	 * @param orphans where orphaned connections are counted, or {@code null} if nowhere
	 * @param showValues when remote addresses, query strings and stacks are shown
	 * @param slowRequests the slow-request log, or {@code null} if it is off
	 */
	public ConnectionsEndpoint(InFlightRequests requests, @Nullable ServerConnections connections,
			@Nullable OrphanReaper orphans, Show showValues, @Nullable SlowRequestLog slowRequests) {
		this.requests = requests;
		this.connections = connections;
		this.orphans = orphans;
		this.showValues = showValues;
		this.slowRequests = slowRequests;
	}

	@ReadOperation
	public ConnectionsDescriptor connections() {
		return connections(this.showValues.isShown(true));
	}

	@ReadOperation
	public @Nullable RequestDescriptor request(@Selector String id) {
		return request(id, this.showValues.isShown(true));
	}

	@DeleteOperation
	public @Nullable RequestDescriptor abort(@Selector String id) {
		return abort(id, this.showValues.isShown(true));
	}

	ConnectionsDescriptor connections(boolean showValues) {
		// Counts first, list last: the list is the freshest part of the answer.
		int open = (this.connections != null) ? this.connections.openConnectionCount() : 0;
		int orphaned = (this.orphans != null) ? this.orphans.orphanedCount() : 0;
		Totals totals = this.requests.totals();
		List<RequestDescriptor> requests = this.requests.all()
			.stream()
			.sorted(Comparator.comparingLong(RequestHandle::getStartNanos))
			.map((handle) -> new RequestDescriptor(handle, showValues, null))
			.toList();
		return new ConnectionsDescriptor(open, requests.size(), orphaned, totals, requests);
	}

	@Nullable RequestDescriptor request(String id, boolean showValues) {
		RequestHandle handle = this.requests.get(id);
		if (handle == null) {
			return null;
		}
		// A stack shows what the code is doing with its data: shown as values are.
		SlowRequestLog slowRequests = this.slowRequests;
		SlowRequestLog.SlowRequest slow = (showValues && slowRequests != null) ? slowRequests.get(handle) : null;
		return new RequestDescriptor(handle, showValues, slow);
	}

	@Nullable RequestDescriptor abort(String id, boolean showValues) {
		RequestHandle handle = this.requests.get(id);
		if (handle == null) {
			return null;
		}
		// The same path as a client that closes: close callbacks run, the work stops.
		handle.signal(ConnectionStatus.ABORTED, ABORT_REASON);
		if (handle.isFinished() && !handle.isAborted()) {
			return null; // ended before the abort could reach it
		}
		return new RequestDescriptor(handle, showValues, null);
	}

	/**
	 * Description of the server's connections and requests.
	 */
	public static final class ConnectionsDescriptor implements OperationResponseBody {

		private final int open;

		private final int active;

		private final int orphaned;

		private final Totals totals;

		private final List<RequestDescriptor> requests;

		private ConnectionsDescriptor(int open, int active, int orphaned, Totals totals,
				List<RequestDescriptor> requests) {
			this.open = open;
			this.active = active;
			this.orphaned = orphaned;
			this.totals = totals;
			this.requests = requests;
		}

		/**
		 * Return the number of client connections the servers hold, idle keep-alive
		 * connections included.
		 * @return the count
		 */
		public int getOpen() {
			return this.open;
		}

		/**
		 * Return the number of requests in flight.
		 * @return the count
		 */
		public int getActive() {
			return this.active;
		}

		/**
		 * Return the number of connections whose client has gone that the server still
		 * holds with no request in flight.
		 * @return the count
		 */
		public int getOrphaned() {
			return this.orphaned;
		}

		public Totals getTotals() {
			return this.totals;
		}

		public List<RequestDescriptor> getRequests() {
			return this.requests;
		}

	}

	/**
	 * Description of a request in flight.
	 */
	public static final class RequestDescriptor implements OperationResponseBody {

		private final String id;

		private final String method;

		private final String uri;

		private final @Nullable String query;

		private final String protocol;

		private final @Nullable String remoteAddress;

		private final int status;

		private final boolean userAbortIgnored;

		private final String startedAt;

		private final String elapsed;

		private final String timeLimit;

		private final @Nullable String handler;

		private final List<String> threads;

		private final @Nullable Map<String, List<String>> stack;

		private RequestDescriptor(RequestHandle handle, boolean showValues, SlowRequestLog.@Nullable SlowRequest slow) {
			RequestInfo info = handle.getInfo();
			this.id = handle.getId();
			this.method = info.method();
			this.uri = info.uri();
			this.query = showValues ? info.query() : null;
			this.protocol = info.protocol();
			this.remoteAddress = showValues ? info.remoteAddress() : null;
			this.status = handle.bits();
			this.userAbortIgnored = handle.isUserAbortIgnored();
			this.startedAt = handle.getStartedAt().toString();
			this.elapsed = handle.getElapsed().toString();
			this.timeLimit = handle.getTimeLimit().toString();
			this.handler = handle.getHandler();
			this.threads = handle.getWorkerNames();
			this.stack = (slow != null) ? slow.stacks() : null;
		}

		public String getId() {
			return this.id;
		}

		public String getMethod() {
			return this.method;
		}

		/**
		 * Return the request URI, without the query string.
		 * @return the URI
		 */
		public String getUri() {
			return this.uri;
		}

		/**
		 * Return the query string, if any and if {@code show-values} allows.
		 * @return the query string or {@code null}
		 */
		public @Nullable String getQuery() {
			return this.query;
		}

		public String getProtocol() {
			return this.protocol;
		}

		/**
		 * Return the client's address and port, if {@code show-values} allows.
		 * @return the address or {@code null}
		 */
		public @Nullable String getRemoteAddress() {
			return this.remoteAddress;
		}

		/**
		 * Return the status bits, as {@link ConnectionStatus#bits()}.
		 * @return the bits
		 */
		public int getStatus() {
			return this.status;
		}

		public boolean isAborted() {
			return (this.status & ConnectionStatus.ABORTED) != 0;
		}

		public boolean isTimedOut() {
			return (this.status & ConnectionStatus.TIMEOUT) != 0;
		}

		public boolean isUserAbortIgnored() {
			return this.userAbortIgnored;
		}

		/**
		 * Return when the request started, in ISO-8601 format.
		 * @return the start
		 */
		public String getStartedAt() {
			return this.startedAt;
		}

		/**
		 * Return how long the request has been running, as an ISO-8601 duration.
		 * @return the elapsed time
		 */
		public String getElapsed() {
			return this.elapsed;
		}

		/**
		 * Return the request's time limit as an ISO-8601 duration, {@code PT0S} for none.
		 * @return the time limit
		 */
		public String getTimeLimit() {
			return this.timeLimit;
		}

		/**
		 * Return the handler method serving the request, once known.
		 * @return the handler or {@code null}
		 */
		public @Nullable String getHandler() {
			return this.handler;
		}

		/**
		 * Return the names of the threads working for the request now.
		 * @return the thread names
		 */
		public List<String> getThreads() {
			return this.threads;
		}

		/**
		 * Return the stacks of the threads that worked for the request when the
		 * slow-request log logged it, by thread name; only in the answer for one request,
		 * and only where {@code show-values} allows.
		 * @return the stacks or {@code null}
		 */
		public @Nullable Map<String, List<String>> getStack() {
			return this.stack;
		}

	}

}
