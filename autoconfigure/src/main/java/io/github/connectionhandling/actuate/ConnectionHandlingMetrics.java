package io.github.connectionhandling.actuate;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters of connection handling: the figures of the {@code connections}
 * endpoint as gauges and counters, and how long an abort takes to reach the application.
 * Follows requests as a {@link LifecycleParticipant} to count aborts by what noticed them.
 * <ul>
 * <li>{@value #OPEN} (gauge): client connections the servers hold;</li>
 * <li>{@value #ACTIVE} (gauge): requests in flight;</li>
 * <li>{@value #ORPHANED} (gauge): connections whose client has gone, held with no request
 * in flight;</li>
 * <li>{@value #REAPED} (counter): orphaned connections closed;</li>
 * <li>{@value #COMPLETED} (counter): requests ended;</li>
 * <li>{@value #ABORTED} (counter, tag {@code reason}: {@code client}, {@code actuator}):
 * requests whose client went away or that were aborted from the endpoint;</li>
 * <li>{@value #TIMED_OUT} (counter): requests whose time limit ran out;</li>
 * <li>{@value #ABORT_CALLBACKS} (timer, tag {@code reason}): from an abort being
 * signalled to the request's close callbacks having run, i.e. how long the application
 * waits to learn of an abort once it was noticed.</li>
 * </ul>
 */
public final class ConnectionHandlingMetrics implements MeterBinder, LifecycleParticipant {

	/** Gauge: client connections the servers hold. */
	public static final String OPEN = "connection.handling.connections.open";

	/** Gauge: requests in flight. */
	public static final String ACTIVE = "connection.handling.requests.active";

	/** Gauge: orphaned connections. */
	public static final String ORPHANED = "connection.handling.connections.orphaned";

	/** Counter: orphaned connections closed. */
	public static final String REAPED = "connection.handling.connections.reaped";

	/** Counter: requests ended. */
	public static final String COMPLETED = "connection.handling.requests.completed";

	/** Counter: aborted requests, tagged with the reason. */
	public static final String ABORTED = "connection.handling.requests.aborted";

	/** Counter: timed-out requests. */
	public static final String TIMED_OUT = "connection.handling.requests.timed.out";

	/** Timer: from an abort signal to the close callbacks having run. */
	public static final String ABORT_CALLBACKS = "connection.handling.abort.callbacks";

	private static final List<String> KNOWN_REASONS = List.of("client", ConnectionsEndpoint.ABORT_REASON);

	/**
	 * Loaded with this class: the first abort in a JVM would otherwise load it on a
	 * callback thread, in the middle of a burst (the one class a first burst loaded).
	 */
	@SuppressWarnings("unused")
	private static final Class<?> ABORT_METERS_CLASS = AbortMeters.class;

	private final InFlightRequests requests;

	private final @Nullable ServerConnections connections;

	private final @Nullable OrphanReaper orphans;

	private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

	/**
	 * The abort meters of each registry and known reason, registered once: looking a meter
	 * up by builder for every abort of a burst is the slowest part of its close callbacks
	 * while the JVM is still cold.
	 */
	private final Map<MeterRegistry, Map<String, AbortMeterPair>> known = new ConcurrentHashMap<>();

	/**
	 * Create the meters' binder.
	 * @param requests the requests in flight and the totals
	 * @param connections the servers' connections, or {@code null} if unknown
	 * @param orphans where orphaned connections are counted, or {@code null} if nowhere
	 */
	public ConnectionHandlingMetrics(InFlightRequests requests, @Nullable ServerConnections connections,
			@Nullable OrphanReaper orphans) {
		this.requests = requests;
		this.connections = connections;
		this.orphans = orphans;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		ServerConnections connections = this.connections;
		if (connections != null) {
			Gauge.builder(OPEN, connections, ServerConnections::openConnectionCount)
				.description("Client connections the server holds, idle keep-alive connections included")
				.baseUnit("connections")
				.register(registry);
		}
		Gauge.builder(ACTIVE, this.requests, InFlightRequests::size)
			.description("Requests in flight")
			.baseUnit("requests")
			.register(registry);
		OrphanReaper orphans = this.orphans;
		if (orphans != null) {
			Gauge.builder(ORPHANED, orphans, OrphanReaper::orphanedCount)
				.description("Connections whose client has gone that the server holds with no request in flight")
				.baseUnit("connections")
				.register(registry);
		}
		FunctionCounter.builder(REAPED, this.requests, (requests) -> requests.totals().reaped())
			.description("Orphaned connections closed")
			.baseUnit("connections")
			.register(registry);
		FunctionCounter.builder(COMPLETED, this.requests, (requests) -> requests.totals().completed())
			.description("Requests ended")
			.baseUnit("requests")
			.register(registry);
		Map<String, AbortMeterPair> byReason = new HashMap<>();
		for (String reason : KNOWN_REASONS) {
			byReason.put(reason, new AbortMeterPair(aborted(registry, reason), abortCallbacks(registry, reason)));
		}
		this.known.put(registry, byReason);
		timedOut(registry);
		this.registries.add(registry);
	}

	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		if (this.registries.isEmpty()) {
			return;
		}
		if (bit == ConnectionStatus.TIMEOUT) {
			for (MeterRegistry registry : this.registries) {
				timedOut(registry).increment();
			}
			return;
		}
		// Counted by a close callback, on the callback pool: the detector signals a burst
		// of aborts one after the other, and meters would delay the last ones. Called before
		// the close callbacks are fired, so this one runs after those the application
		// registered.
		handle.onClose(new AbortMeters(this, reason, handle.getAbortedAtNanos()));
	}

	private AbortMeterPair meters(MeterRegistry registry, String reason) {
		Map<String, AbortMeterPair> byReason = this.known.get(registry);
		AbortMeterPair pair = (byReason != null) ? byReason.get(reason) : null;
		return (pair != null) ? pair
				: new AbortMeterPair(aborted(registry, reason), abortCallbacks(registry, reason));
	}

	private record AbortMeterPair(Counter aborted, Timer callbacks) {

	}

	/**
	 * Counts an abort and times its close callbacks. A class, not a lambda: the first
	 * abort in a JVM would spin a lambda class in the middle of a burst.
	 */
	private record AbortMeters(ConnectionHandlingMetrics metrics, String reason, long signalledAt)
			implements Consumer<ConnectionStatus> {

		@Override
		public void accept(ConnectionStatus status) {
			long nanos = System.nanoTime() - this.signalledAt;
			for (MeterRegistry registry : this.metrics.registries) {
				AbortMeterPair meters = this.metrics.meters(registry, this.reason);
				meters.aborted().increment();
				meters.callbacks().record(nanos, TimeUnit.NANOSECONDS);
			}
		}

	}

	private static Counter aborted(MeterRegistry registry, String reason) {
		return Counter.builder(ABORTED)
			.description("Requests aborted: their client went away (client) or the actuator aborted them (actuator)")
			.baseUnit("requests")
			.tag("reason", reason)
			.register(registry);
	}

	private static Counter timedOut(MeterRegistry registry) {
		return Counter.builder(TIMED_OUT)
			.description("Requests whose time limit ran out")
			.baseUnit("requests")
			.register(registry);
	}

	private static Timer abortCallbacks(MeterRegistry registry, String reason) {
		return Timer.builder(ABORT_CALLBACKS)
			.description("Time from an abort being signalled until the request's close callbacks have run")
			.tag("reason", reason)
			.register(registry);
	}

}
