package io.github.connectionhandling.detection;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.function.LongSupplier;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.detection.Watch.Event;
import io.github.connectionhandling.detection.Watch.State;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.ParticipantSlot;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestThreads;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Notices at once that a client went away, as Go's {@code net/http} does with its
 * background read, with one thread and one {@link Selector} for all connections.
 * <p>
 * Once a request's body has been read and the request has run for the arm delay, its
 * channel is registered with this selector for {@code OP_READ} (a channel may be
 * registered with several selectors; the container's is left alone). Readable with
 * nothing to read means FIN or RST: the request is signalled at once. Bytes waiting
 * (pipelining, TLS {@code close_notify}) or a body still unread leave the request to the
 * {@link TcpStatePoller}. Short requests never touch the selector: they are left on
 * their thread's slot and end before the {@link ArmingSchedule} finds them due.
 * <p>
 * Each request's {@link Watch} holds its state; request threads move it through the
 * {@link LifecycleParticipant} methods, the detector thread in its {@link SelectLoop}.
 */
public final class DisconnectDetector implements LifecycleParticipant, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(DisconnectDetector.class);

	/** A request's watch; deferred while it is left to the scan of thread slots ({@link RequestThreads}). */
	static final ParticipantSlot<Watch> WATCH = ParticipantSlot.create("watch");

	/** What stops the container's stream-failure signal of an HTTP/2 request. */
	static final ParticipantSlot<Runnable> STREAM = ParticipantSlot.create("stream");

	private static final int SELF_TEST_MILLIS = 2000;

	/** How long the detector pauses after a wake-up that found clients gone (see {@link SelectLoop}). */
	static final Duration COALESCE = Duration.ofMillis(1);

	private final ArmingSchedule schedule;

	private final TcpStatePoller poller;

	private final LongSupplier nanoTime;

	private final SelectLoop loop;

	private volatile @Nullable Selector selector;

	/** Whether the self-test saw a close; if not, watches poll the TCP state instead. */
	private volatile boolean selectorWorks = true;

	private volatile String selfTest = "not run";

	private volatile @Nullable Thread thread;

	private volatile boolean running;

	/**
	 * Create a detector.
	 * @param armDelay how long a request runs before its channel is watched
	 * @param pollInterval how often connections that cannot be watched by events are
	 * polled
	 * @param tcpStates where TCP states are read
	 */
	public DisconnectDetector(Duration armDelay, Duration pollInterval, TcpStateTable tcpStates) {
		this(armDelay, pollInterval, tcpStates::states, tcpStates.isAvailable(), System::nanoTime);
	}

	DisconnectDetector(Duration armDelay, Duration pollInterval, TcpStatePoller.States tcpStates,
			boolean tcpStatesAvailable, LongSupplier nanoTime) {
		this(armDelay, pollInterval, tcpStates, tcpStatesAvailable, nanoTime, COALESCE);
	}

	DisconnectDetector(Duration armDelay, Duration pollInterval, TcpStatePoller.States tcpStates,
			boolean tcpStatesAvailable, LongSupplier nanoTime, Duration coalesce) {
		this.nanoTime = nanoTime;
		this.schedule = new ArmingSchedule(armDelay, nanoTime.getAsLong());
		this.poller = new TcpStatePoller(tcpStates, tcpStatesAvailable, pollInterval.toNanos());
		this.loop = new SelectLoop(this, nanoTime, this.schedule, this.poller, coalesce.toNanos());
	}

	/**
	 * Describe the active mechanism for the start-up log.
	 * @return the description
	 */
	public String describe() {
		return (this.selectorWorks
				? "selector (event-driven, 1 thread, arm delay "
						+ Duration.ofNanos(this.schedule.baseArmDelay()).toMillis() + " ms, self-test: "
						+ this.selfTest + "); "
				: "no selector (self-test: " + this.selfTest + "); ")
				+ (this.poller.isAvailable()
						? "TCP state from /proc/net/tcp polled every "
								+ Duration.ofNanos(this.poller.intervalNanos()).toMillis()
								+ " ms for unread bodies, pipelined bytes and connections without a selectable channel"
						: "no TCP state on this platform: requests with an unread body, pipelined bytes or no selectable channel are not watched")
				+ "; HTTP/2 streams: the container's stream-failure signal (a reset stream or a lost connection)";
	}

	// LifecycleParticipant: called on request threads (signalled: on the callback pool too)

	@Override
	public void started(RequestHandle handle, boolean bodyPending) {
		ContainerConnection connection = handle.getConnection();
		if (connection == null) {
			return;
		}
		if (!handle.getInfo().protocol().startsWith("HTTP/1")) {
			// HTTP/2 multiplexes streams: readable says nothing about one stream. The
			// container's own signal, where it has one (Jetty), reports a reset stream.
			Runnable stop = connection.onStreamFailure(() -> {
				if (!handle.isFinished()) {
					handle.signal(ConnectionStatus.ABORTED, "client");
				}
			});
			if (stop != null) {
				STREAM.set(handle, stop);
			}
			return;
		}
		if (!bodyPending && this.selectorWorks && handle.isOnThreadSlot() && connection.channel() != null) {
			// Nearly every request ends on its first thread before it is due: no watch.
			WATCH.defer(handle);
			this.loop.startedOnSlot();
			return;
		}
		Watch watch = new Watch(handle, connection);
		if (bodyPending) {
			// Bytes of the body will make the channel readable: only the TCP state is safe.
			watch.move(Event.POLL);
		}
		WATCH.set(handle, watch);
		if (bodyPending) {
			this.loop.poll(watch);
		}
	}

	@Override
	public void bodyConsumed(RequestHandle handle) {
		Watch watch = WATCH.get(handle);
		if (watch == null) {
			return;
		}
		ContainerConnection connection = watch.connection;
		if (connection == null) {
			return; // ended meanwhile
		}
		if (connection.channel() == null || !this.selectorWorks) {
			// Nothing to select on (e.g. Tomcat's NIO2 connector): the TCP state still tells.
			if (watch.move(Event.POLL) != null) {
				this.loop.poll(watch);
			}
		}
		else if (watch.move(Event.QUEUE) != null) {
			watch.pendingSince = this.nanoTime.getAsLong();
			this.loop.queue(watch);
		}
	}

	@Override
	public void leftThread(RequestHandle handle) {
		ContainerConnection connection = handle.getConnection();
		if (!WATCH.isDeferred(handle) || connection == null) {
			return;
		}
		// Due one arm delay from now, not from its start, so that the queue stays in the
		// order requests are due: the detector looks at its head only.
		Watch watch = new Watch(handle, connection);
		watch.move(Event.QUEUE);
		watch.pendingSince = this.nanoTime.getAsLong();
		if (!WATCH.takeOver(handle, watch)) {
			return; // the scan took it
		}
		if (handle.isFinished() || handle.bits() != 0) {
			// Ended meanwhile, and its end may have found no watch to disarm.
			watch.move(Event.END);
			watch.release();
			return;
		}
		this.loop.queue(watch);
	}

	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		if (STREAM.get(handle) == null) {
			// A stream's container signal stays on to the end: a stream that timed out
			// can still be reset by its client.
			disarm(handle);
		}
	}

	@Override
	public void finished(RequestHandle handle) {
		disarm(handle);
	}

	private void disarm(RequestHandle handle) {
		Runnable stream = STREAM.get(handle);
		if (stream != null) {
			if (STREAM.clear(handle, stream)) {
				stream.run();
			}
			return;
		}
		Watch watch = WATCH.get(handle);
		if (watch == null) {
			return;
		}
		State previous = watch.move(Event.END);
		if (previous != State.ARMING && previous != State.CHECKING) {
			// No detector step owns it: queues and the selector may hold the watch a while
			// longer, but not the request.
			watch.release();
		}
		SelectionKey key = watch.key;
		if (previous == State.ARMED && key != null) {
			this.loop.cancelled(key);
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
		this.loop.open(selector);
		Thread thread = new Thread(this.loop::run, "connection-handling-detector");
		thread.setDaemon(true);
		this.thread = thread;
		thread.start();
	}

	private String selfTest(Selector selector) {
		try {
			long micros = Channels.selfTest(selector, SELF_TEST_MILLIS);
			if (micros >= 0) {
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

	@Override
	public void stop() {
		this.running = false;
		this.loop.stop();
		Selector selector = this.selector;
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
		this.loop.close();
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

}
