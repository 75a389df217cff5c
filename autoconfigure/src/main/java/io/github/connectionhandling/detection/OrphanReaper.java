package io.github.connectionhandling.detection;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Finds orphaned connections, and closes them if asked to: connections the server still
 * holds whose client has gone (the kernel shows {@code CLOSE_WAIT}, or no longer lists a
 * connection whose channel is open, i.e. it was reset) and that no request in flight
 * accounts for. The disconnect detector covers connections with a request in flight;
 * this covers the rest, e.g. an upgraded connection whose protocol handler stopped
 * reading.
 * <p>
 * A scan lists the servers' open connections and drops those a request in flight holds.
 * The rest are probed with a selector of the reaper's own: a connection whose kernel has
 * nothing from its client (not readable) is alive. Only connections readable with
 * nothing to read (FIN or RST), those with bytes waiting in two scans in a row, and those
 * without a selectable channel are looked up in the kernel's TCP table, in one pass:
 * reading it walks the kernel's whole socket table, tens of milliseconds on a busy host,
 * so a server whose connections are all alive never reads it. A connection
 * is closed only once it was found orphaned by scans at least half an interval apart:
 * a connection whose container is closing it right now, or a keep-alive connection whose
 * client just left, is not mistaken for an orphan.
 * <p>
 * The scan, the probe and the two-scan confirmation are one algorithm and stay in one
 * file.
 */
public final class OrphanReaper implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(OrphanReaper.class);

	private final ServerConnections connections;

	private final InFlightRequests requests;

	private final TcpStateTable tcpStates;

	private final Duration interval;

	private final boolean reap;

	private final boolean available;

	private final Object lock = new Object();

	/** Orphans found by the last scan, by connection; guarded by lock. */
	private Map<ContainerConnection, Suspect> suspects = new HashMap<>();

	/** Connections the last probe found with bytes waiting; guarded by lock. */
	private Set<ContainerConnection> withBytes = new HashSet<>();

	/** The probe's selector, opened on first use; guarded by lock. */
	private @Nullable Selector probe;

	private boolean probeUnavailable;

	private volatile @Nullable ScheduledThreadPoolExecutor scheduler;

	/**
	 * Create a reaper.
	 * @param connections the servers' connections
	 * @param requests the requests in flight
	 * @param tcpStates where TCP states are read
	 * @param interval how often to scan when reaping
	 * @param reap whether to close orphans periodically; when {@code false} orphans are
	 * only counted, on demand
	 */
	public OrphanReaper(ServerConnections connections, InFlightRequests requests, TcpStateTable tcpStates,
			Duration interval, boolean reap) {
		this.connections = connections;
		this.requests = requests;
		this.tcpStates = tcpStates;
		this.interval = interval;
		this.reap = reap;
		this.available = tcpStates.isAvailable();
	}

	/**
	 * Describe what the reaper does, for the start-up log.
	 * @return the description
	 */
	public String describe() {
		if (!this.available) {
			return "off (no TCP state on this platform)";
		}
		return this.reap ? "every " + this.interval.toMillis() + " ms" : "off (orphans counted only)";
	}

	/**
	 * Scan now and return the connections that are orphaned at this moment (not closed).
	 * @return the orphans
	 */
	public List<Orphan> scan() {
		return scan(System.nanoTime());
	}

	/**
	 * Return how many connections are orphaned now; a fresh scan.
	 * @return the count
	 */
	public int orphanedCount() {
		return scan().size();
	}

	/**
	 * Scan, then close the orphans that earlier scans found too.
	 * @return how many connections were closed
	 */
	public int reap() {
		long now = System.nanoTime();
		long graceNanos = this.interval.toNanos() / 2;
		int closed = 0;
		for (Orphan orphan : scan(now)) {
			if (now - orphan.firstSeenNanos < graceNanos || !orphan.connection.isOpen()) {
				continue;
			}
			synchronized (this.lock) {
				this.suspects.remove(orphan.connection);
			}
			// Described before closing: a closed connection may no longer know its peer.
			String description = describe(orphan, now);
			try {
				orphan.connection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Cannot close orphaned " + orphan.connection, ex);
				continue;
			}
			closed++;
			this.requests.reaped();
			logger.warn(description);
		}
		return closed;
	}

	private static String describe(Orphan orphan, long now) {
		StringBuilder message = new StringBuilder("Closed orphaned connection from ");
		message.append(orphan.connection.remoteAddress());
		message.append(" (client gone: ").append(orphan.reset ? "reset" : "CLOSE_WAIT");
		message.append(", no request in flight; orphaned for at least ")
			.append(Duration.ofNanos(now - orphan.firstSeenNanos).toMillis())
			.append(" ms");
		Instant openedAt = orphan.connection.openedAt();
		if (openedAt != null) {
			message.append(", open for ").append(Duration.between(openedAt, Instant.now()).toMillis()).append(" ms");
		}
		return message.append(')').toString();
	}

	private List<Orphan> scan(long now) {
		if (!this.available) {
			return List.of();
		}
		List<ContainerConnection> open = candidates();
		synchronized (this.lock) {
			List<ContainerConnection> candidates = open.isEmpty() ? open : unclear(open);
			if (candidates.isEmpty()) {
				this.suspects = new HashMap<>();
				return List.of();
			}
			Map<TcpStateTable.Key, ContainerConnection> byKey = new HashMap<>();
			for (ContainerConnection connection : candidates) {
				TcpStateTable.Key key = TcpStateTable.Key.of(connection.localAddress(), connection.remoteAddress());
				if (key != null) {
					byKey.put(key, connection);
				}
			}
			Map<TcpStateTable.Key, Integer> states;
			try {
				states = this.tcpStates.states(byKey.keySet());
			}
			catch (IOException ex) {
				logger.debug("Cannot read TCP states", ex);
				return List.of();
			}
			Map<ContainerConnection, Suspect> previous = this.suspects;
			Map<ContainerConnection, Suspect> current = new HashMap<>();
			List<Orphan> orphans = new ArrayList<>();
			Set<ContainerConnection> accounted = accounted();
			byKey.forEach((key, connection) -> {
				Integer state = states.get(key);
				boolean closeWait = state != null && state == TcpStateTable.CLOSE_WAIT;
				boolean gone = state == null;
				// Checked after the TCP states were read: a request that started, or a
				// container that closed the connection, meanwhile, is not an orphan.
				if (!(closeWait || gone) || accounted.contains(connection) || !connection.isOpen()) {
					return;
				}
				Suspect suspect = previous.get(connection);
				if (suspect == null) {
					suspect = new Suspect(now);
				}
				else {
					suspect.scans++;
				}
				current.put(connection, suspect);
				// A connection missing from the table may be in the middle of being closed:
				// it counts only when a second scan finds it still open.
				if (closeWait || suspect.scans > 1) {
					orphans.add(new Orphan(connection, gone, suspect.firstSeenNanos));
				}
			});
			this.suspects = current;
			return orphans;
		}
	}

	/**
	 * Return the candidates whose client may have gone: readable with nothing to read,
	 * with bytes waiting in this probe and the last (pipelined bytes or a TLS
	 * {@code close_notify} the container does not read), or not selectable. Called with
	 * the lock held.
	 */
	private List<ContainerConnection> unclear(List<ContainerConnection> candidates) {
		Selector selector = probeSelector();
		if (selector == null) {
			return candidates;
		}
		List<ContainerConnection> unclear = new ArrayList<>();
		Set<ContainerConnection> withBytes = new HashSet<>();
		try {
			for (ContainerConnection connection : candidates) {
				SocketChannel channel = connection.channel();
				if (channel == null) {
					unclear.add(connection);
					continue;
				}
				try {
					channel.register(selector, SelectionKey.OP_READ, connection);
				}
				catch (ClosedChannelException ex) {
					// Closed meanwhile: not an orphan.
				}
				catch (IOException | RuntimeException ex) {
					unclear.add(connection); // e.g. a blocking channel: the table tells
				}
			}
			selector.selectNow();
			for (SelectionKey key : selector.selectedKeys()) {
				ContainerConnection connection = (ContainerConnection) key.attachment();
				if (Channels.available((SocketChannel) key.channel()) == 0) {
					unclear.add(connection);
				}
				else {
					withBytes.add(connection);
					if (this.withBytes.contains(connection)) {
						unclear.add(connection);
					}
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Cannot probe connections; reading their TCP states", ex);
			return candidates;
		}
		finally {
			selector.selectedKeys().clear();
			for (SelectionKey key : selector.keys()) {
				key.cancel();
			}
			try {
				// Deregister now: the next probe registers the channels again, and a
				// channel closed while registered keeps its file descriptor until every
				// selector it was registered with has let go of it.
				selector.selectNow();
			}
			catch (IOException ex) {
				logger.debug("Cannot deregister probed connections", ex);
			}
		}
		this.withBytes = withBytes;
		return unclear;
	}

	private @Nullable Selector probeSelector() {
		if (this.probe == null && !this.probeUnavailable) {
			try {
				this.probe = Selector.open();
			}
			catch (IOException ex) {
				logger.debug("Cannot open a selector to probe connections; reading their TCP states", ex);
				this.probeUnavailable = true;
			}
		}
		return this.probe;
	}

	/** Open connections no request in flight holds. */
	private List<ContainerConnection> candidates() {
		List<ContainerConnection> open = this.connections.openConnections();
		if (open.isEmpty()) {
			return open;
		}
		Set<ContainerConnection> accounted = accounted();
		List<ContainerConnection> candidates = new ArrayList<>(open.size());
		for (ContainerConnection connection : open) {
			if (!accounted.contains(connection)) {
				candidates.add(connection);
			}
		}
		return candidates;
	}

	private Set<ContainerConnection> accounted() {
		// ContainerConnection equality is the identity of the container's own connection.
		Set<ContainerConnection> accounted = new HashSet<>();
		for (RequestHandle handle : this.requests.all()) {
			ContainerConnection connection = handle.getConnection();
			if (connection != null) {
				accounted.add(connection);
			}
		}
		return accounted;
	}

	private void reapQuietly() {
		try {
			reap();
		}
		catch (Throwable ex) {
			logger.error("Orphan reaper failed; continuing", ex);
		}
	}

	// SmartLifecycle

	@Override
	public void start() {
		if (!this.reap || !this.available) {
			return;
		}
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, "connection-handling-reaper");
			thread.setDaemon(true);
			return thread;
		});
		scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		long millis = Math.max(1, this.interval.toMillis());
		scheduler.scheduleWithFixedDelay(this::reapQuietly, millis, millis, TimeUnit.MILLISECONDS);
		this.scheduler = scheduler;
	}

	@Override
	public void stop() {
		ScheduledThreadPoolExecutor scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
		this.scheduler = null;
		synchronized (this.lock) {
			Selector probe = this.probe;
			this.probe = null;
			if (probe != null) {
				try {
					probe.close();
				}
				catch (IOException ex) {
					logger.debug("Cannot close the probe's selector", ex);
				}
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	@Override
	public int getPhase() {
		// Like the detector: around the web server's whole life.
		return Integer.MIN_VALUE + 1000;
	}

	/**
	 * An orphaned connection.
	 *
	 * @param connection the connection
	 * @param reset whether the kernel no longer lists it (reset) rather than showing
	 * {@code CLOSE_WAIT}
	 * @param firstSeenNanos the {@link System#nanoTime()} of the first scan that found it
	 */
	public record Orphan(ContainerConnection connection, boolean reset, long firstSeenNanos) {

	}

	private static final class Suspect {

		final long firstSeenNanos;

		int scans = 1;

		Suspect(long firstSeenNanos) {
			this.firstSeenNanos = firstSeenNanos;
		}

	}

}
