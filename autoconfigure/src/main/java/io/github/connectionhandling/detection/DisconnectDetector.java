package io.github.connectionhandling.detection;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.request.RequestThreads;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Notices at once that a client went away, the way Go's {@code net/http} does with its
 * background read and nginx with {@code EPOLLRDHUP}, but with one thread for all
 * connections.
 * <p>
 * Once a request's body has been read, its channel is registered with this detector's
 * own {@link Selector} for {@code OP_READ} (a channel may be registered with several
 * selectors; the container's is left alone). Readable then means FIN, RST or pipelined
 * bytes. With nothing to read ({@code FIONREAD} = 0) the client is gone: signalled at
 * once. With bytes waiting (pipelining, TLS {@code close_notify}) the watch drops to a
 * poll of the kernel's TCP state, which tells {@code CLOSE_WAIT} and reset apart from a
 * live connection without consuming the bytes; requests whose body is still unread are
 * polled the same way. Idle, the thread blocks in {@code select()}: no polling.
 * <p>
 * Arming waits {@code armDelay} and happens in batches on the detector thread, so that
 * short requests never touch the selector.
 */
public final class DisconnectDetector implements LifecycleParticipant, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(DisconnectDetector.class);

	private final long armDelayNanos;

	/**
	 * Arming happens at most this often (the arm delay: a request is watched from between
	 * one and two arm delays after its body was read; see {@link #armTick()}). Under load some request is always
	 * about to be due, and waking for each would be a context switch per millisecond on a
	 * CPU the requests need.
	 */
	private final long armTickNanos;

	/** When {@link #arm} last ran; only the detector thread touches it. */
	private long lastArmNanos;

	/**
	 * Arming passes in a row that found every due request already finished, up to
	 * {@link #MAX_IDLE_SHIFT}; each doubles both the tick and the arm delay. One pass that
	 * arms a request, or the detector going quiet, resets it. Under a load of short
	 * requests the detector otherwise woke 200 times a second (at 5 ms) to arm nothing;
	 * and a saturated CPU stretches a few of them past a short arm delay, so that arming
	 * those, only to see them end a moment later, kept resetting it: each wake-up preempts
	 * a request thread, and on Jetty the 78 a second left with the tick alone backed off
	 * (to four arm delays) cost about 2 % of a trivial endpoint's throughput (bench/README.md,
	 * session 10). Only the detector thread writes it.
	 */
	private volatile int idleArmPasses;

	static final int MAX_IDLE_SHIFT = 4;

	private final long pollIntervalNanos;

	private final TcpStateTable tcpStates;

	private final boolean tcpStatesAvailable;

	private final Queue<Watch> arming = new ConcurrentLinkedQueue<>();

	/**
	 * The watch slot of a request that is to be watched once it has run for the arm delay,
	 * left to the scan of the thread slots ({@link RequestThreads}): nearly every request
	 * finishes on its first thread before that, and then costs the detector nothing.
	 */
	static final Object ON_THREAD = new Object() {

		@Override
		public String toString() {
			return "on its thread's slot";
		}

	};

	/** Requests found on thread slots by the last scan; only the detector thread uses it. */
	private final List<RequestHandle> onThreads = new ArrayList<>();

	/**
	 * When the earliest request the last scan of thread slots found, not yet due, is due
	 * for arming; {@link #NOTHING_ON_THREADS} if it found none. Only the detector thread
	 * touches it.
	 */
	private long threadsDueNanos = NOTHING_ON_THREADS;

	private static final long NOTHING_ON_THREADS = Long.MIN_VALUE;

	/**
	 * When a scan last found a request on a thread slot, or a request woke the detector;
	 * only the detector thread touches it. Under load a scan often finds none at that
	 * instant (short requests, or the detector preempted the request threads between two
	 * requests): sleeping until the next request woke it would cost that request a wake-up
	 * call and the detector a second switch every tick, so it keeps ticking for
	 * {@link #lingerNanos} (three of its longest ticks) after it last saw one.
	 */
	private long lastSeenOnThreadsNanos;

	private final long lingerNanos;

	/** When the thread slots were last scanned; only the detector thread touches it. */
	private long lastScanNanos;

	/**
	 * Set while the detector would not scan the thread slots on its own at its next
	 * wake-up (not lingering, nothing due): a request that starts on a slot must wake it.
	 */
	private volatile boolean threadsUnwatched;

	private final Queue<Watch> newlyPolled = new ConcurrentLinkedQueue<>();

	/** Watches polled by TCP state; only the detector thread touches it. */
	private final List<Watch> polled = new ArrayList<>();

	private volatile @Nullable Selector selector;

	/**
	 * Whether the start-up self-test saw a loopback client's close through the selector;
	 * if not, watches fall back to polling the TCP state.
	 */
	private volatile boolean selectorWorks = true;

	private volatile String selfTest = "not run";

	private volatile @Nullable Thread thread;

	private volatile boolean running;

	/**
	 * When the detector next looks at its queues by itself: {@link #AWAKE} while it runs,
	 * {@link Long#MAX_VALUE} while it blocks until woken. A request thread wakes it only
	 * if it needs it sooner: a request queued for arming one arm delay on, a polled one a
	 * poll interval on, a cancelled key within {@link #FLUSH_NANOS}. A flag set for any
	 * wait longer than the shortest tick woke it for every request queued while it was
	 * backed off (virtual threads, request bodies).
	 */
	private volatile long wakeAtNanos = AWAKE;

	private static final long AWAKE = Long.MIN_VALUE;

	/** Select timeouts are whole milliseconds: a wake-up this much later is on time. */
	private static final long WAKE_SLACK_NANOS = 1_000_000;

	/** Keys were cancelled since the last select: select again soon to release them. */
	private volatile boolean cancelsPending;

	private static final long FLUSH_NANOS = 10_000_000;

	private static final int SELF_TEST_MILLIS = 2000;

	private long nextPollNanos;

	/**
	 * Create a detector.
	 * @param armDelay how long a request runs before its channel is watched
	 * @param pollInterval how often connections that cannot be watched by events are
	 * polled
	 * @param tcpStates where TCP states are read
	 */
	public DisconnectDetector(Duration armDelay, Duration pollInterval, TcpStateTable tcpStates) {
		// Capped (at about a year) so that backing off never overflows.
		this.armDelayNanos = Math.min(armDelay.toNanos(), Long.MAX_VALUE >> 8);
		this.armTickNanos = Math.max(1_000_000, this.armDelayNanos);
		this.lastArmNanos = System.nanoTime() - this.armTickNanos;
		this.lingerNanos = 3 * (this.armTickNanos << MAX_IDLE_SHIFT);
		this.lastSeenOnThreadsNanos = this.lastArmNanos - this.lingerNanos;
		this.lastScanNanos = this.lastArmNanos;
		this.pollIntervalNanos = pollInterval.toNanos();
		this.tcpStates = tcpStates;
		this.tcpStatesAvailable = tcpStates.isAvailable();
	}

	/**
	 * Describe the active mechanism for the start-up log.
	 * @return the description
	 */
	public String describe() {
		return (this.selectorWorks ? "selector (event-driven, 1 thread, arm delay "
				+ Duration.ofNanos(this.armDelayNanos).toMillis() + " ms, self-test: " + this.selfTest + "); "
				: "no selector (self-test: " + this.selfTest + "); ") + (this.tcpStatesAvailable
						? "TCP state from /proc/net/tcp polled every " + Duration.ofNanos(this.pollIntervalNanos).toMillis()
								+ " ms for unread bodies, pipelined bytes and connections without a selectable channel"
						: "no TCP state on this platform: requests with an unread body, pipelined bytes or no selectable channel are not watched")
				+ "; HTTP/2 streams: the container's stream-failure signal where it has one (Jetty)";
	}

	// LifecycleParticipant: called on request threads (signalled: on the callback pool too)

	@Override
	public void started(RequestHandle handle, boolean bodyPending) {
		ContainerConnection connection = handle.getConnection();
		if (connection == null) {
			return;
		}
		if (!isWatchable(handle)) {
			// The container's own signal, where it has one (Jetty): a reset stream.
			connection.onStreamFailure(() -> {
				if (!handle.isFinished() && handle.signal(ConnectionStatus.ABORTED, "client")) {
				}
			});
			return;
		}
		if (!bodyPending && this.selectorWorks && handle.isOnThreadSlot() && connection.channel() != null) {
			// Found by the scan of thread slots if it still runs after the arm delay: no
			// watch, no queue entry for the many requests that end before.
			handle.setWatchSlot(ON_THREAD);
			if (this.threadsUnwatched) {
				// Cleared here so that only the first of the requests starting now wakes
				// it; the detector then scans the slots for a while (lingering).
				this.threadsUnwatched = false;
				wakeup();
			}
			return;
		}
		Watch watch = new Watch(handle, connection);
		handle.setWatchSlot(watch);
		if (bodyPending) {
			// Bytes of the body will make the channel readable: only the TCP state is safe.
			watch.setState(Watch.POLLING);
			poll(watch);
		}
	}

	private static boolean isWatchable(RequestHandle handle) {
		// HTTP/2 multiplexes streams on one connection: readable says nothing about one
		// stream, and the connection outlives it.
		return handle.getInfo().protocol().startsWith("HTTP/1");
	}

	@Override
	public void bodyConsumed(RequestHandle handle) {
		if (!(handle.getWatchSlot() instanceof Watch watch)) {
			return;
		}
		ContainerConnection connection = watch.connection;
		if (connection == null) {
			return; // signalled meanwhile
		}
		if (connection.channel() == null || !this.selectorWorks) {
			// Nothing to select on (e.g. Tomcat's NIO2 connector): the TCP state still tells.
			if (watch.compareAndSetState(Watch.NEW, Watch.POLLING)) {
				poll(watch);
			}
			return;
		}
		int state = watch.state();
		if ((state == Watch.NEW || state == Watch.POLLING) && watch.compareAndSetState(state, Watch.PENDING)) {
			watch.pendingSince = System.nanoTime();
			this.arming.add(watch);
			wakeupIfLaterThan(armDelay());
		}
	}

	@Override
	public void leftThread(RequestHandle handle) {
		ContainerConnection connection = handle.getConnection();
		if (handle.getWatchSlot() != ON_THREAD || connection == null) {
			return;
		}
		// Due one arm delay from now, not from its start: the queue stays in the order
		// requests are due, which is all the detector looks at (its head).
		Watch watch = new Watch(handle, connection);
		watch.setState(Watch.PENDING);
		watch.pendingSince = System.nanoTime();
		if (!handle.compareAndSetWatchSlot(ON_THREAD, watch)) {
			return; // the scan took it
		}
		if (handle.isFinished() || handle.bits() != 0) {
			// Ended meanwhile, and its end may have found no watch to disarm.
			watch.setState(Watch.DONE);
			watch.release();
			return;
		}
		this.arming.add(watch);
		wakeupIfLaterThan(armDelay());
	}

	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		disarm(handle);
	}

	@Override
	public void finished(RequestHandle handle) {
		disarm(handle);
	}

	private void disarm(RequestHandle handle) {
		if (handle.getWatchSlot() instanceof Watch watch) {
			int previous = watch.getAndSetState(Watch.DONE);
			if (previous != Watch.ARMING && previous != Watch.CHECKING) {
				// No detector step holds it: the queues and the selector may keep the
				// watch a while longer, but not the request (see Watch).
				watch.release();
			}
			SelectionKey key = watch.key;
			if (previous == Watch.ARMED && key != null) {
				// Cancelled keys are deregistered at the next select; until then the
				// channel's close is deferred. The detector selects again within
				// FLUSH_NANOS; waking it for every request would cost a syscall each.
				key.cancel();
				this.cancelsPending = true;
				wakeupIfLaterThan(FLUSH_NANOS);
			}
		}
	}

	private void poll(Watch watch) {
		if (this.tcpStatesAvailable) {
			this.newlyPolled.add(watch);
			wakeupIfLaterThan(this.pollIntervalNanos);
		}
	}

	/** Wake the detector unless it will look at its queues within {@code nanos} anyway. */
	private void wakeupIfLaterThan(long nanos) {
		long wakeAt = this.wakeAtNanos;
		if (wakeAt != AWAKE
				&& (wakeAt == Long.MAX_VALUE || wakeAt - (System.nanoTime() + nanos + WAKE_SLACK_NANOS) > 0)) {
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

	private void run() {
		Selector selector = this.selector;
		while (this.running && selector != null) {
			try {
				// A method of its own: this loop runs once per thread, and the JIT compiles
				// what it calls, not the loop itself, until it has looped for minutes.
				selectOnce(selector);
			}
			catch (Throwable ex) {
				logger.error("Disconnect detector failed; continuing", ex);
			}
		}
	}

	private void selectOnce(Selector selector) throws IOException {
		long now = System.nanoTime();
		boolean unwatched = this.threadsDueNanos == NOTHING_ON_THREADS && !lingering(now);
		if (unwatched) {
			this.threadsUnwatched = true;
			// Scanned after the flag is set: a request that starts after this scan finds the
			// flag set and wakes the detector (started()).
			if (scanThreads(null, now)) {
				this.threadsUnwatched = false;
				unwatched = false;
			}
			else if (this.arming.isEmpty()) {
				// Quiet: the next request is watched one arm delay in, whatever the last load.
				this.idleArmPasses = 0;
			}
		}
		// Published, then the queues are looked at again: what was queued before is seen
		// here, what is queued after wakes it if it needs it sooner. Only ever lowered
		// before the select, which never waits past it.
		long wakeAt = wakeAt(now, timeoutMillis(now));
		this.wakeAtNanos = wakeAt;
		long again = System.nanoTime();
		wakeAt = Math.min(wakeAt, wakeAt(again, timeoutMillis(again)));
		this.wakeAtNanos = wakeAt;
		if (wakeAt == Long.MAX_VALUE) {
			if (this.arming.isEmpty() && this.newlyPolled.isEmpty() && !this.cancelsPending) {
				selector.select();
			}
		}
		else {
			this.cancelsPending = false; // this select deregisters them
			selector.select(Math.max(1, (wakeAt - System.nanoTime() + 999_999) / 1_000_000));
		}
		this.wakeAtNanos = AWAKE;
		if (unwatched) {
			if (!this.threadsUnwatched) {
				// Woken by a request that started on a slot: note when it is due, and
				// linger, as more are likely to come.
				long woken = System.nanoTime();
				this.lastSeenOnThreadsNanos = woken;
				scanThreads(null, woken);
			}
			this.threadsUnwatched = false;
		}
		handleReadable(selector);
		now = System.nanoTime();
		arm(selector, now);
		handleReadable(selector);
		pollTcpStates(now);
	}

	private static long wakeAt(long now, long timeoutMillis) {
		return (timeoutMillis == 0) ? Long.MAX_VALUE : now + timeoutMillis * 1_000_000;
	}

	/** 0 = block until woken. */
	private long timeoutMillis(long now) {
		long wait = Long.MAX_VALUE;
		Watch next = this.arming.peek();
		if (next != null) {
			long due = Math.max(next.pendingSince + armDelay(), this.lastArmNanos + armTick());
			wait = Math.max(1, due - now);
		}
		if (this.threadsDueNanos != NOTHING_ON_THREADS) {
			long due = Math.max(this.threadsDueNanos, this.lastArmNanos + armTick());
			wait = Math.min(wait, Math.max(1, due - now));
		}
		if (lingering(now)) {
			wait = Math.min(wait, Math.max(1, this.lastScanNanos + armTick() - now));
		}
		if (!this.polled.isEmpty() || !this.newlyPolled.isEmpty()) {
			wait = Math.min(wait, Math.max(1, this.nextPollNanos - now));
		}
		if (this.cancelsPending) {
			wait = Math.min(wait, FLUSH_NANOS);
		}
		return (wait == Long.MAX_VALUE) ? 0 : Math.max(1, (wait + 999_999) / 1_000_000);
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
			if (!watch.compareAndSetState(Watch.ARMED, Watch.CHECKING)) {
				continue;
			}
			RequestHandle handle = watch.handle;
			if (handle == null || handle.isResponded()) {
				// Most likely the client's next request on a keep-alive connection; an
				// abort cannot be signalled any more, so there is nothing to watch.
				watch.setState(Watch.DONE);
				continue;
			}
			InputStream input = watch.input;
			if (((input != null) ? available(input) : available((SocketChannel) key.channel())) == 0) {
				watch.setState(Watch.DONE);
				gone.add(handle);
			}
			else if (watch.compareAndSetState(Watch.CHECKING, Watch.POLLING)) {
				// Pipelined bytes or TLS close_notify: leave them to the container and
				// let the TCP state tell whether a FIN follows.
				poll(watch);
			}
		}
		// All at once: marking each before any callback or stop wakes a thread keeps a
		// burst of departures from being seen one context switch after another.
		RequestLifecycle.signalAll(gone, ConnectionStatus.ABORTED, "client");
	}

	/** Bytes waiting (FIONREAD); 0 after FIN or RST, or if the channel is unusable. */
	static int available(SocketChannel channel) {
		InputStream input = inputOf(channel);
		return (input != null) ? available(input) : 0;
	}

	private static int available(InputStream input) {
		try {
			return input.available();
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	/**
	 * The stream whose {@code available()} is the channel's FIONREAD. Never closed:
	 * closing it would close the container's channel.
	 */
	private static @Nullable InputStream inputOf(SocketChannel channel) {
		try {
			return channel.socket().getInputStream();
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}


	private void arm(Selector selector, long now) {
		boolean passDue = now - this.lastArmNanos >= armTick(); // else: woken early, arm in the next batch
		Watch watch = this.arming.peek();
		long delay = armDelay();
		boolean queueDue = passDue && watch != null && now - watch.pendingSince >= delay;
		boolean threadsDue = passDue && this.threadsDueNanos != NOTHING_ON_THREADS
				&& now - this.threadsDueNanos >= 0;
		// While lingering the slots are scanned once per tick even with nothing known to be
		// due: requests that started since the last scan are found there.
		boolean lingerScan = lingering(now) && now - this.lastScanNanos >= armTick();
		boolean armedOnThreads = (threadsDue || lingerScan) && scanThreads(selector, now);
		if (!queueDue && !threadsDue && !armedOnThreads) {
			if (lingerScan && this.threadsDueNanos == NOTHING_ON_THREADS && this.arming.isEmpty()) {
				// Not a request on the threads: the next scans come less often too.
				this.idleArmPasses = Math.min(this.idleArmPasses + 1, MAX_IDLE_SHIFT);
			}
			// Otherwise it found requests not yet due, and the pass when they are due tells.
			return;
		}
		this.lastArmNanos = now;
		boolean stillRunning = armedOnThreads;
		while ((watch = this.arming.peek()) != null && now - watch.pendingSince >= delay) {
			this.arming.poll();
			// Read first: nearly every request has finished by now, and a failing
			// compareAndSet would still take the line from the core that finished it.
			if (watch.state() != Watch.PENDING || !watch.compareAndSetState(Watch.PENDING, Watch.ARMING)) {
				continue; // finished, or signalled, meanwhile
			}
			stillRunning = true;
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			if (handle == null || connection == null || handle.isResponded()) {
				// Its client had the whole response: leaving is no abort now, and the
				// keep-alive client's next request would only make the channel readable.
				watch.setState(Watch.DONE);
				continue;
			}
			armWatch(selector, watch, connection);
		}
		this.idleArmPasses = stillRunning ? 0 : Math.min(this.idleArmPasses + 1, MAX_IDLE_SHIFT);
	}

	/**
	 * Scan the requests on thread slots that this detector follows, arm those that have
	 * run for the arm delay (unless {@code selector} is {@code null}), and note when the
	 * earliest of the others is due.
	 * @return with a selector, whether it armed one; without, whether any is waiting
	 */
	private boolean scanThreads(@Nullable Selector selector, long now) {
		this.lastScanNanos = now;
		long delay = armDelay();
		List<RequestHandle> handles = this.onThreads;
		RequestThreads.collect(this, handles);
		long due = NOTHING_ON_THREADS;
		boolean result = false;
		try {
			for (RequestHandle handle : handles) {
				if (handle.getWatchSlot() != ON_THREAD || handle.isResponded()) {
					// Watched already, queued, or its client had the whole response (leaving
					// is no abort now).
					continue;
				}
				this.lastSeenOnThreadsNanos = now;
				long dueAt = handle.getStartNanos() + delay;
				if (selector == null || now - dueAt < 0) {
					due = (due == NOTHING_ON_THREADS || dueAt - due < 0) ? dueAt : due;
					result |= selector == null;
					continue;
				}
				ContainerConnection connection = handle.getConnection();
				if (connection == null) {
					continue;
				}
				Watch watch = new Watch(handle, connection);
				watch.setState(Watch.ARMING);
				if (!handle.compareAndSetWatchSlot(ON_THREAD, watch)) {
					continue; // left its thread meanwhile: queued
				}
				if (handle.isFinished() || handle.bits() != 0) {
					// Ended meanwhile, and its end may have found no watch to disarm.
					watch.setState(Watch.DONE);
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
		this.threadsDueNanos = due;
		return result;
	}

	private boolean lingering(long now) {
		return now - this.lastSeenOnThreadsNanos < this.lingerNanos;
	}

	/** Register an {@link Watch#ARMING arming} watch's channel with the selector. */
	private void armWatch(Selector selector, Watch watch, ContainerConnection connection) {
		SocketChannel channel = connection.channel();
		try {
			watch.key = register(selector, channel, watch);
		}
		catch (ClosedChannelException ex) {
			watch.setState(Watch.DONE);
			return;
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Cannot watch " + connection, ex);
			watch.setState(Watch.DONE);
			return;
		}
		// Made now, not when the client leaves: Jetty never asks for a channel's socket
		// adaptor, and making hundreds in a burst of departures (interpreted, in the
		// JVM's first burst) delayed every abort in it by tens of milliseconds.
		watch.input = inputOf(channel);
		watch.armedAtNanos = System.nanoTime();
		if (!watch.compareAndSetState(Watch.ARMING, Watch.ARMED)) {
			// Ended while being armed: its end left the watch to this step.
			watch.key.cancel();
			this.cancelsPending = true;
			watch.release();
		}
	}

	/**
	 * How long after the last arming pass the next may run: the arm delay, doubled for
	 * each step of back-off, as the arm delay itself (at most sixteen arm delays). A
	 * request is watched between one and two arm delays after its body was read, or, under
	 * a load of short requests, up to 32, until a pass finds one still running.
	 */
	long armTick() {
		return this.armTickNanos << this.idleArmPasses;
	}

	/** How long a request runs before it is watched, as backed off now. */
	long armDelay() {
		return this.armDelayNanos << this.idleArmPasses;
	}

	private static SelectionKey register(Selector selector, @Nullable SocketChannel channel, Watch watch)
			throws IOException {
		if (channel == null) {
			throw new ClosedChannelException();
		}
		try {
			return channel.register(selector, SelectionKey.OP_READ, watch);
		}
		catch (CancelledKeyException ex) {
			// The previous request on this keep-alive connection left a cancelled key
			// that the selector has not deregistered yet.
			// Keys selectNow() selects stay in the selected set for handleReadable.
			selector.selectNow();
			return channel.register(selector, SelectionKey.OP_READ, watch);
		}
	}

	private void pollTcpStates(long now) {
		Watch added;
		while ((added = this.newlyPolled.poll()) != null) {
			if (this.polled.isEmpty()) {
				this.nextPollNanos = now + this.pollIntervalNanos;
			}
			this.polled.add(added);
		}
		if (this.polled.isEmpty() || now - this.nextPollNanos < 0) {
			return;
		}
		this.nextPollNanos = now + this.pollIntervalNanos;
		Set<TcpStateTable.Key> keys = new HashSet<>();
		for (Iterator<Watch> it = this.polled.iterator(); it.hasNext();) {
			Watch watch = it.next();
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			if (watch.state() != Watch.POLLING || handle == null || connection == null) {
				it.remove(); // armed for events, finished or signalled
				continue;
			}
			if (handle.isResponded()) {
				// Its client had the whole response: leaving is no abort now, so its state
				// need not be read (a read costs milliseconds). Typically a keep-alive
				// client that sent its next request before this one finished.
				continue;
			}
			if (watch.tcpKey == null) {
				watch.tcpKey = TcpStateTable.Key.of(connection.localAddress(), connection.remoteAddress());
			}
			if (watch.tcpKey != null) {
				keys.add(watch.tcpKey);
			}
		}
		if (keys.isEmpty()) {
			return;
		}
		Map<TcpStateTable.Key, Integer> states;
		try {
			states = this.tcpStates.states(keys);
		}
		catch (IOException ex) {
			logger.debug("Cannot read TCP states", ex);
			return;
		}
		for (Iterator<Watch> it = this.polled.iterator(); it.hasNext();) {
			Watch watch = it.next();
			if (watch.tcpKey == null || !keys.contains(watch.tcpKey)) {
				continue; // not asked for: responded, or no key
			}
			Integer state = states.get(watch.tcpKey);
			RequestHandle handle = watch.handle;
			ContainerConnection connection = watch.connection;
			if ((state == null || state != TcpStateTable.ESTABLISHED) && handle != null && connection != null
					&& connection.isOpen() && watch.compareAndSetState(Watch.POLLING, Watch.DONE)) {
				it.remove();
				handle.signal(ConnectionStatus.ABORTED, "client");
			}
		}
	}

	// SmartLifecycle

	@Override
	public void start() {
		Selector selector;
		try {
			selector = Selector.open();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot open a selector for disconnect detection", ex);
		}
		this.selfTest = selfTest(selector);
		this.selector = selector;
		this.running = true;
		Thread thread = new Thread(this::run, "connection-handling-detector");
		thread.setDaemon(true);
		this.thread = thread;
		thread.start();
	}

	/**
	 * Check, before any request relies on it, that a client's close makes a channel
	 * readable on this selector with nothing to read; it also loads and links the code
	 * of that path, so that the first real abort is not seen late.
	 */
	private String selfTest(Selector selector) {
		InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
		try (ServerSocketChannel server = ServerSocketChannel.open();
				SocketChannel client = SocketChannel.open(server.bind(loopback).getLocalAddress());
				SocketChannel accepted = server.accept()) {
			accepted.configureBlocking(false);
			SelectionKey key = accepted.register(selector, SelectionKey.OP_READ);
			long closedAt = System.nanoTime();
			client.close();
			boolean seen = selector.select(SELF_TEST_MILLIS) == 1 && key.isReadable() && available(accepted) == 0;
			long micros = (System.nanoTime() - closedAt) / 1000;
			key.cancel();
			selector.selectedKeys().clear();
			selector.selectNow();
			if (seen) {
				return "a loopback close seen in " + micros + " µs";
			}
			this.selectorWorks = false;
			logger.warn("Disconnect detector: a loopback client's close was not seen by a selector within "
					+ SELF_TEST_MILLIS + " ms; polling TCP states instead");
			return "close not seen";
		}
		catch (IOException | RuntimeException ex) {
			// No loopback (a sandbox): nothing says the selector would not work.
			logger.debug("Disconnect detector self-test could not run", ex);
			return "could not run (" + ex + ")";
		}
	}

	/** Requests queued for arming, for tests. */
	int armingQueueSize() {
		return this.arming.size();
	}

	/** Channels registered with the selector, cancelled ones included, for tests. */
	int registeredKeys() {
		Selector selector = this.selector;
		return (selector != null && selector.isOpen()) ? selector.keys().size() : 0;
	}

	@Override
	public void stop() {
		this.running = false;
		Selector selector = this.selector;
		if (selector != null) {
			selector.wakeup();
		}
		Thread thread = this.thread;
		if (thread != null) {
			try {
				thread.join(1000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (selector != null) {
			try {
				selector.close();
			}
			catch (IOException ex) {
				logger.debug("Cannot close the detector's selector", ex);
			}
		}
		this.selector = null;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Start before and stop after the web server (and its graceful shutdown), so that
		// requests in flight stay watched until the end.
		return Integer.MIN_VALUE + 1000;
	}

	/**
	 * One request's watch. State moves forward only; {@link #DONE} is final.
	 */
	static final class Watch {

		static final int NEW = 0;

		static final int POLLING = 1;

		static final int PENDING = 2;

		static final int ARMING = 3;

		static final int ARMED = 4;

		static final int CHECKING = 5;

		static final int DONE = 6;

		/*
		 * Emptied when the request is done with the watch while a queue may still hold
		 * it (the arming queue for an arm delay, the polled list for a poll interval):
		 * a finished request must not keep its request and response objects alive
		 * through young collections (Jetty makes new ones for every request), or under
		 * load those pauses grow several-fold. Read once into a local: null = done.
		 */
		volatile @Nullable RequestHandle handle;

		volatile @Nullable ContainerConnection connection;

		private static final VarHandle STATE;

		static {
			try {
				STATE = MethodHandles.lookup().findVarHandle(Watch.class, "state", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		/*
		 * A field, not an AtomicInteger: the detector reads it for every request it
		 * dequeues, and one object less keeps that to the cache line it reads anyway.
		 */
		private volatile int state = NEW;

		volatile long pendingSince;

		volatile @Nullable SelectionKey key;

		/** When it was armed, for tests; written before the state is set to {@link #ARMED}. */
		long armedAtNanos;

		/** The channel's stream for FIONREAD, made when armed; only the detector touches it. */
		@Nullable InputStream input;

		TcpStateTable.@Nullable Key tcpKey;

		Watch(RequestHandle handle, ContainerConnection connection) {
			this.handle = handle;
			this.connection = connection;
		}

		int state() {
			return this.state;
		}

		void setState(int state) {
			this.state = state;
		}

		boolean compareAndSetState(int expected, int state) {
			return STATE.compareAndSet(this, expected, state);
		}

		int getAndSetState(int state) {
			return (int) STATE.getAndSet(this, state);
		}

		void release() {
			this.handle = null;
			this.connection = null;
			this.input = null;
		}

	}

}
