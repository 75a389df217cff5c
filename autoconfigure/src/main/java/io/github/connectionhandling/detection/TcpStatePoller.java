package io.github.connectionhandling.detection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.RequestHandle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Follows the {@link Watch.State#POLLING polling} watches by the kernel's TCP state, for
 * requests whose channel being readable says nothing (body unread, bytes waiting) or that
 * have no selectable channel. One read of the table per poll interval serves every
 * watch, since a read costs milliseconds with many sockets. Every time is passed in by the
 * caller (the detector's clock).
 */
final class TcpStatePoller {

	private static final Log logger = LogFactory.getLog(TcpStatePoller.class);

	/** Where states are read; {@link TcpStateTable#states} in production. */
	@FunctionalInterface
	interface States {

		Map<TcpStateTable.Key, Integer> read(Collection<TcpStateTable.Key> keys) throws IOException;

	}

	private final States states;

	private final boolean available;

	private final long intervalNanos;

	private final Queue<Watch> added = new ConcurrentLinkedQueue<>();

	/** Only the detector thread touches it. */
	private final List<Watch> polled = new ArrayList<>();

	private long nextPollNanos;

	TcpStatePoller(States states, boolean available, long intervalNanos) {
		this.states = states;
		this.available = available;
		this.intervalNanos = intervalNanos;
	}

	boolean isAvailable() {
		return this.available;
	}

	long intervalNanos() {
		return this.intervalNanos;
	}

	/**
	 * Follow a watch from the next poll on; any thread.
	 * @param watch the watch, {@link Watch.State#POLLING polling}
	 * @return whether it is followed (not without TCP states)
	 */
	boolean add(Watch watch) {
		if (!this.available) {
			return false;
		}
		this.added.add(watch);
		return true;
	}

	/** Whether watches were added since the last {@link #poll}. */
	boolean hasAdded() {
		return !this.added.isEmpty();
	}

	/** How long until the next poll is due: at least 1, or {@link Long#MAX_VALUE} if none. */
	long nanosUntilPoll(long now) {
		return (this.polled.isEmpty() && this.added.isEmpty()) ? Long.MAX_VALUE
				: Math.max(1, this.nextPollNanos - now);
	}

	/**
	 * Take the watches added since, and, if a poll is due, read the states of those still
	 * polling and move the ones whose connection is no longer established to
	 * {@link Watch.State#DONE}.
	 * @param now the current time
	 * @param gone where to add the requests whose client is gone
	 */
	void poll(long now, List<RequestHandle> gone) {
		Watch watch;
		while ((watch = this.added.poll()) != null) {
			if (this.polled.isEmpty()) {
				this.nextPollNanos = now + this.intervalNanos;
			}
			this.polled.add(watch);
		}
		if (this.polled.isEmpty() || now - this.nextPollNanos < 0) {
			return;
		}
		this.nextPollNanos = now + this.intervalNanos;
		Set<TcpStateTable.Key> keys = keysToRead();
		if (keys.isEmpty()) {
			return;
		}
		Map<TcpStateTable.Key, Integer> states;
		try {
			states = this.states.read(keys);
		}
		catch (IOException ex) {
			logger.debug("Cannot read TCP states", ex);
			return;
		}
		for (Iterator<Watch> it = this.polled.iterator(); it.hasNext();) {
			watch = it.next();
			if (watch.tcpKey == null || !keys.contains(watch.tcpKey)) {
				continue; // not asked for: responded, or no key
			}
			Integer state = states.get(watch.tcpKey);
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			// A missing entry means the connection was reset.
			if ((state == null || state != TcpStateTable.ESTABLISHED) && handle != null && connection != null
					&& connection.isOpen() && watch.move(Watch.Event.DROP) == Watch.State.POLLING) {
				it.remove();
				gone.add(handle);
			}
		}
	}

	/** Drop the watches that stopped polling; the keys of those whose state matters. */
	private Set<TcpStateTable.Key> keysToRead() {
		Set<TcpStateTable.Key> keys = new HashSet<>();
		for (Iterator<Watch> it = this.polled.iterator(); it.hasNext();) {
			Watch watch = it.next();
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			if (watch.state() != Watch.State.POLLING || handle == null || connection == null) {
				it.remove(); // armed for events, finished or signalled
				continue;
			}
			if (handle.isResponded()) {
				// Its client had the whole response: leaving is no abort now. Typically a
				// keep-alive client that sent its next request before this one ended.
				continue;
			}
			if (watch.tcpKey == null) {
				watch.tcpKey = TcpStateTable.Key.of(connection.localAddress(), connection.remoteAddress());
			}
			if (watch.tcpKey != null) {
				keys.add(watch.tcpKey);
			}
		}
		return keys;
	}

	/** Watches followed now, for tests. */
	int size() {
		return this.polled.size();
	}

}
