package io.github.connectionhandling.detection;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.detection.Watch.Event;
import io.github.connectionhandling.detection.Watch.State;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.request.RequestThreads;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The {@link DisconnectDetector}'s thread: it blocks in {@code select()} until a watched
 * channel is readable or something is due, then signals the clients that are gone, arms
 * the requests that are due (from its queue or their thread's slot, as the
 * {@link ArmingSchedule} says) and lets the {@link TcpStatePoller} poll.
 * <p>
 * A wake-up that finds clients gone is followed by a short pause ({@link #coalesceNanos})
 * before the next select: when thousands leave at once, the rest of the burst is then read
 * in a few large batches rather than one wake-up per FIN. Each wake-up costs a context
 * switch here and one on the side that closed (loopback delivers the FIN on its thread),
 * and each batch wakes the threads that run its callbacks; a lone departure, found by a
 * blocked select, is signalled at once.
 * <p>
 * Request threads hand it work through {@link #queue}, {@link #poll}, {@link #cancelled}
 * and {@link #startedOnSlot}. Each of those wakes the thread only if it would not look
 * by itself in time: the thread publishes when it will wake next ({@link #wakeAtNanos})
 * before it selects, and looks at its queues once more after publishing, so that nothing
 * queued in between is missed. That order of one turn is the protocol request threads rely
 * on, which is why the loop stays in one file.
 */
final class SelectLoop {

	private static final Log logger = LogFactory.getLog(SelectLoop.class);

	/** Cancelled keys are released by the next select; it comes within this much. */
	private static final long FLUSH_NANOS = 10_000_000;

	/** {@link #wakeAtNanos} while the thread is not blocked in a select. */
	private static final long AWAKE = Long.MIN_VALUE;

	/** Select timeouts are whole milliseconds: a wake-up this much later is on time. */
	private static final long WAKE_SLACK_NANOS = 1_000_000;

	private volatile @Nullable Selector selector;

	private final LifecycleParticipant detector;

	private final LongSupplier nanoTime;

	private final ArmingSchedule schedule;

	private final TcpStatePoller poller;

	private final long coalesceNanos;

	private final Queue<Watch> arming = new ConcurrentLinkedQueue<>();

	/** Scratch lists of the detector thread. */
	private final List<RequestHandle> onThreads = new ArrayList<>();

	private final List<RequestHandle> polledGone = new ArrayList<>();

	/**
	 * When the thread next wakes by itself: {@link #AWAKE} while it runs,
	 * {@link Long#MAX_VALUE} while it blocks until woken.
	 */
	private volatile long wakeAtNanos = AWAKE;

	/** Set while the thread would not scan the slots by itself: a request's start wakes it. */
	private volatile boolean threadsUnwatched;

	/** Keys were cancelled since the last select. */
	private volatile boolean cancelsPending;

	private volatile boolean running;

	/** The last turn signalled departures: more of a burst may follow. */
	private boolean departed;

	SelectLoop(LifecycleParticipant detector, LongSupplier nanoTime, ArmingSchedule schedule, TcpStatePoller poller,
			long coalesceNanos) {
		this.detector = detector;
		this.coalesceNanos = coalesceNanos;
		this.nanoTime = nanoTime;
		this.schedule = schedule;
		this.poller = poller;
	}

	// Request threads

	/** Arm a {@link State#PENDING pending} watch once due. */
	void queue(Watch watch) {
		this.arming.add(watch);
		wakeupIfLaterThan(this.schedule.armDelay());
	}

	/** Follow a {@link State#POLLING polling} watch by TCP state. */
	void poll(Watch watch) {
		if (this.poller.add(watch)) {
			wakeupIfLaterThan(this.poller.intervalNanos());
		}
	}

	/**
	 * A watched request ended: its key is cancelled. Until the next select deregisters
	 * it, the channel's close is deferred; waking the thread for each would cost a
	 * system call per request.
	 */
	void cancelled(SelectionKey key) {
		key.cancel();
		this.cancelsPending = true;
		wakeupIfLaterThan(FLUSH_NANOS);
	}

	/** A request was left on its thread's slot. */
	void startedOnSlot() {
		if (this.threadsUnwatched) {
			// Only the first of the requests starting now wakes it; it then lingers.
			this.threadsUnwatched = false;
			wakeup();
		}
	}

	/** Wake the detector unless it will look at its queues within {@code nanos} anyway. */
	private void wakeupIfLaterThan(long nanos) {
		long wakeAt = this.wakeAtNanos;
		if (wakeAt != AWAKE && (wakeAt == Long.MAX_VALUE
				|| wakeAt - (this.nanoTime.getAsLong() + nanos + WAKE_SLACK_NANOS) > 0)) {
			wakeup();
		}
	}

	private void wakeup() {
		Selector selector = this.selector;
		if (selector != null) {
			selector.wakeup();
		}
	}

	// The detector thread

	/** Watch with {@code selector} from now on; {@link #run} then selects on it. */
	void open(Selector selector) {
		this.selector = selector;
		this.running = true;
	}

	/** Run the detector thread's loop until {@link #stop()}. */
	void run() {
		Selector selector = this.selector;
		while (this.running && selector != null) {
			try {
				// A method of its own: the JIT compiles what a loop calls long before the
				// loop itself.
				selectOnce(selector);
			}
			catch (Throwable ex) {
				logger.error("Disconnect detector failed; continuing", ex);
			}
		}
	}

	/**
	 * One turn: decide whether the thread slots need a start to wake it, publish when it
	 * wakes next, select, then signal closed channels, arm what is due and poll.
	 */
	private void selectOnce(Selector selector) throws IOException {
		long now = this.nanoTime.getAsLong();
		boolean unwatched = this.schedule.threadsUnwatched(now);
		if (unwatched) {
			// Set before the scan: a request that starts after it finds the flag and wakes
			// the detector (started()).
			this.threadsUnwatched = true;
			if (scanThreads(null, now)) {
				this.threadsUnwatched = false;
				unwatched = false;
			}
			else if (this.arming.isEmpty()) {
				this.schedule.quiet();
			}
		}
		// Published, then the queues are looked at again: what was queued before is seen
		// here, what is queued after wakes the detector if it needs it sooner.
		long wakeAt = wakeAt(now);
		this.wakeAtNanos = wakeAt;
		wakeAt = Math.min(wakeAt, wakeAt(this.nanoTime.getAsLong()));
		this.wakeAtNanos = wakeAt;
		if (this.departed) {
			// Queued work that wakes the selector meanwhile makes the select below return.
			this.departed = false;
			long until = System.nanoTime() + this.coalesceNanos;
			long left;
			while ((left = until - System.nanoTime()) > 0) {
				LockSupport.parkNanos(this, left);
			}
		}
		if (wakeAt == Long.MAX_VALUE) {
			if (this.arming.isEmpty() && !this.poller.hasAdded() && !this.cancelsPending) {
				selector.select();
			}
		}
		else {
			this.cancelsPending = false; // this select deregisters them
			selector.select(Math.max(1, (wakeAt - this.nanoTime.getAsLong() + 999_999) / 1_000_000));
		}
		this.wakeAtNanos = AWAKE;
		if (unwatched) {
			if (!this.threadsUnwatched) {
				// Woken by a request that started on a slot: more are likely to follow.
				long woken = this.nanoTime.getAsLong();
				this.schedule.woken(woken);
				scanThreads(null, woken);
			}
			this.threadsUnwatched = false;
		}
		handleReadable(selector);
		now = this.nanoTime.getAsLong();
		arm(selector, now);
		handleReadable(selector);
		List<RequestHandle> gone = this.polledGone;
		this.poller.poll(now, gone);
		for (RequestHandle handle : gone) {
			handle.signal(ConnectionStatus.ABORTED, "client");
		}
		gone.clear();
	}

	/** When the detector must look at its queues again; {@link Long#MAX_VALUE}: never by itself. */
	private long wakeAt(long now) {
		Watch head = this.arming.peek();
		long wait = this.schedule.nanosUntilDue(now, head != null, (head != null) ? head.pendingSince : 0);
		wait = Math.min(wait, this.poller.nanosUntilPoll(now));
		if (this.cancelsPending) {
			wait = Math.min(wait, FLUSH_NANOS);
		}
		// Whole milliseconds, as the select waits.
		return (wait == Long.MAX_VALUE) ? Long.MAX_VALUE : now + Math.max(1, (wait + 999_999) / 1_000_000) * 1_000_000;
	}

	private void handleReadable(Selector selector) {
		if (selector.selectedKeys().isEmpty()) {
			return;
		}
		List<RequestHandle> gone = new ArrayList<>();
		Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
		while (keys.hasNext()) {
			SelectionKey key = keys.next();
			keys.remove();
			Watch watch = (Watch) key.attachment();
			key.cancel();
			if (watch.move(Event.READABLE) == null) {
				continue; // ended meanwhile
			}
			RequestHandle handle = watch.handle;
			if (handle == null || handle.isResponded()) {
				// Most likely the keep-alive client's next request: no abort any more.
				watch.move(Event.DROP);
				continue;
			}
			InputStream input = watch.input;
			int available = (input != null) ? Channels.available(input)
					: Channels.available((SocketChannel) key.channel());
			if (available == 0) {
				watch.move(Event.DROP);
				gone.add(handle);
			}
			else if (watch.move(Event.POLL) != null) {
				// Pipelined bytes or TLS close_notify: left to the container; the TCP state
				// tells whether a FIN follows.
				poll(watch);
			}
		}
		// All marked before any callback or stop wakes a thread: a burst of departures is
		// not seen one context switch after another.
		this.departed |= !gone.isEmpty() && this.coalesceNanos > 0;
		RequestLifecycle.signalAll(gone, ConnectionStatus.ABORTED, "client");
	}

	/** An arming pass, if one is due: register the due requests, queued or on thread slots. */
	private void arm(Selector selector, long now) {
		ArmingSchedule schedule = this.schedule;
		Watch head = this.arming.peek();
		boolean queueDue = head != null && schedule.passDue(now) && schedule.isDue(head.pendingSince, now);
		boolean threadsDue = schedule.threadsDue(now);
		// While lingering the slots are scanned every tick: requests started since the last
		// scan are found there.
		boolean scanDue = schedule.scanDue(now);
		boolean armedOnThreads = (threadsDue || scanDue) && scanThreads(selector, now);
		if (!queueDue && !threadsDue && !armedOnThreads) {
			if (scanDue && !schedule.threadsWaiting() && this.arming.isEmpty()) {
				schedule.idleScan();
			}
			return;
		}
		boolean stillRunning = armedOnThreads;
		Watch watch;
		while ((watch = this.arming.peek()) != null && schedule.isDue(watch.pendingSince, now)) {
			this.arming.poll();
			if (watch.move(Event.TAKE) == null) {
				continue; // ended meanwhile
			}
			stillRunning = true;
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			if (handle == null || connection == null || handle.isResponded()) {
				// Its client had the whole response: leaving is no abort now.
				watch.move(Event.DROP);
				continue;
			}
			armWatch(selector, watch, connection);
		}
		schedule.passed(now, stillRunning);
	}

	/**
	 * Scan the requests on the thread slots: arm those that are due (unless
	 * {@code selector} is {@code null}) and note when the earliest other one is due.
	 * @return with a selector, whether it armed one; without, whether any is waiting
	 */
	private boolean scanThreads(@Nullable Selector selector, long now) {
		long delay = this.schedule.armDelay();
		List<RequestHandle> handles = this.onThreads;
		RequestThreads.collect(this.detector, handles);
		long due = ArmingSchedule.NONE;
		boolean seen = false;
		boolean result = false;
		try {
			for (RequestHandle handle : handles) {
				if (!DisconnectDetector.WATCH.isDeferred(handle) || handle.isResponded()) {
					continue; // watched already, queued, or no abort any more
				}
				seen = true;
				long dueAt = handle.getStartNanos() + delay;
				if (selector == null || now - dueAt < 0) {
					due = (due == ArmingSchedule.NONE || dueAt - due < 0) ? dueAt : due;
					result |= selector == null;
					continue;
				}
				ContainerConnection connection = handle.getConnection();
				if (connection == null) {
					continue;
				}
				Watch watch = new Watch(handle, connection);
				watch.move(Event.QUEUE);
				watch.move(Event.TAKE);
				if (!DisconnectDetector.WATCH.takeOver(handle, watch)) {
					continue; // left its thread meanwhile: queued
				}
				if (handle.isFinished() || handle.bits() != 0) {
					// Ended meanwhile, and its end may have found no watch to disarm.
					watch.move(Event.DROP);
					watch.release();
					continue;
				}
				result = true;
				armWatch(selector, watch, connection);
			}
		}
		finally {
			handles.clear();
		}
		this.schedule.scanned(now, seen, due);
		return result;
	}

	/** Register an {@link State#ARMING arming} watch's channel with the selector. */
	private void armWatch(Selector selector, Watch watch, ContainerConnection connection) {
		SocketChannel channel = connection.channel();
		try {
			watch.key = Channels.register(selector, channel, watch);
		}
		catch (ClosedChannelException ex) {
			watch.move(Event.DROP);
			return;
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Cannot watch " + connection, ex);
			watch.move(Event.DROP);
			return;
		}
		// Made now rather than when the client leaves, off the path of a burst of
		// departures (Jetty never asks for a channel's socket adaptor).
		watch.input = Channels.inputOf(channel);
		if (watch.move(Event.REGISTERED) == null) {
			// Ended while being armed: its end left the watch to this step.
			watch.key.cancel();
			this.cancelsPending = true;
			watch.release();
		}
	}

	/** Make {@link #run} return soon. */
	void stop() {
		this.running = false;
		wakeup();
	}

	/** Forget the selector, once {@link #run} returned or gave up. */
	void close() {
		this.selector = null;
	}

}
