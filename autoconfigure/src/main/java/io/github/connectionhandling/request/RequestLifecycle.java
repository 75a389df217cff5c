package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ContainerConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;

/**
 * A request's path, in one direction: {@link #start} registers its status,
 * {@link #signal} is the one place that marks an abort or a timeout, runs the close
 * callbacks and stops the work (off the request thread), and {@link #finish} ends it once:
 * participants disarm, shutdown functions run, the status leaves the registry.
 * <p>
 * It also holds the tasks that run a burst's close callbacks ahead of its stops: split
 * apart, the ordering between signal, stop and finish would be spread over two classes.
 * <p>
 * Stops give way: to close callbacks still queued, to a mass departure still under way
 * (for at most {@link #GIVE_WAY_MAX_NANOS}) and, in a burst, to the request stopped just
 * before. Stopping unwinds a request through the container, which costs far more than
 * noticing it; on a busy machine a burst's unwinding would otherwise take the CPU from
 * the detector and from the callbacks of the clients still leaving.
 */
public final class RequestLifecycle implements DisposableBean {

	private static final Log logger = LogFactory.getLog(RequestLifecycle.class);

	/** Aborts signalled less than this apart belong to one burst. */
	static final long GIVE_WAY_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	/** A burst of at least this many aborts is a mass departure: its stops wait for its end. */
	static final int GIVE_WAY_BURST = 64;

	/** The longest a stop gives way to a mass departure still under way. */
	static final long GIVE_WAY_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private final InFlightRequests requests;

	private final List<LifecycleParticipant> participants;

	private final LifecycleParticipant[] participantArray;

	private final Settings settings;

	private final ThreadPoolExecutor callbacks;

	private final UserCallbacks userCallbacks;

	private final int callbackThreads;

	private final AtomicLong ids = new AtomicLong();

	/** Callback-pool threads waiting for a request they stopped to end (stop pacing). */
	private final Set<Thread> pacing = ConcurrentHashMap.newKeySet();

	private final LongSupplier nanoTime;

	/** The latest batch of aborts handed to the pool (its sequence), and when. */
	private volatile long lastAbortBatch;

	private volatile long lastAbortNanos;

	/** Aborts of the current burst (see {@link #GIVE_WAY_QUIET_NANOS}). */
	private volatile int burstSize;

	/**
	 * Create a lifecycle.
	 * @param requests the registry of requests in flight
	 * @param participants who follows each request (detector, time limiter, meters)
	 * @param settings the defaults applied to every request
	 */
	public RequestLifecycle(InFlightRequests requests, List<LifecycleParticipant> participants, Settings settings) {
		this(requests, participants, settings, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
				"connection-handling-stopper-");
	}

	/**
	 * Create a lifecycle with a stopping pool of a given size.
	 * @param requests the registry of requests in flight
	 * @param participants who follows each request
	 * @param settings the defaults applied to every request
	 * @param threads the stopping pool's threads
	 * @param threadNamePrefix the prefix of their names
	 */
	public RequestLifecycle(InFlightRequests requests, List<LifecycleParticipant> participants, Settings settings,
			int threads, String threadNamePrefix) {
		this(requests, participants, settings, threads, threadNamePrefix, System::nanoTime);
	}

	RequestLifecycle(InFlightRequests requests, List<LifecycleParticipant> participants, Settings settings,
			int threads, String threadNamePrefix, LongSupplier nanoTime) {
		this.nanoTime = nanoTime;
		this.requests = requests;
		this.participants = List.copyOf(participants);
		this.participantArray = this.participants.toArray(new LifecycleParticipant[0]);
		this.settings = settings;
		this.callbackThreads = threads;
		this.userCallbacks = new UserCallbacks(settings.callbackWarnAfter(), true);
		// Close callbacks are handed off before stops: when many clients leave at once,
		// each learns of it without waiting for the others' work to be stopped. The
		// callbacks themselves run elsewhere (UserCallbacks): this pool runs only the
		// starter's own code, so no application code can hold it up.
		ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.MINUTES,
				new PriorityBlockingQueue<>(), new StopperThreads(threadNamePrefix));
		executor.allowCoreThreadTimeOut(true);
		this.callbacks = executor;
		if (!this.participants.isEmpty()) {
			// Started now and kept for minutes (parked, they cost nothing): otherwise a
			// burst of departures starts them on the detector thread, and each new thread
			// must be scheduled before its first close callback runs.
			executor.prestartAllCoreThreads();
		}
	}

	public InFlightRequests getRequests() {
		return this.requests;
	}

	public Settings getSettings() {
		return this.settings;
	}

	boolean countsCpuTime() {
		return this.settings.cpuClock();
	}

	/**
	 * Start a request: create its status with the default settings and register it.
	 * @param info what the request is
	 * @param connection its client connection, if the container adapter found it
	 * @param bodyPending whether it has a body not yet read
	 * @return the request's handle
	 */
	public RequestHandle start(RequestInfo info, @Nullable ContainerConnection connection, boolean bodyPending) {
		// Created with the default settings (its limit counting from its start): no
		// participant has seen it yet, so none is told of them.
		RequestHandle handle = new RequestHandle(Long.toString(this.ids.incrementAndGet(), 36), info, connection,
				this);
		if (!this.participants.isEmpty()) {
			handle.claimThreadSlot();
		}
		this.requests.add(handle);
		for (LifecycleParticipant participant : this.participantArray) {
			participant.started(handle, bodyPending);
		}
		if (!bodyPending) {
			bodyConsumed(handle);
		}
		return handle;
	}

	/**
	 * The request's first dispatch ended and its work goes on elsewhere (async): it leaves
	 * its thread's slot, and participants that scan slots take it over (see
	 * {@link RequestThreads}).
	 * @param handle the request
	 */
	public void leaveThread(RequestHandle handle) {
		if (!handle.releaseThreadSlot()) {
			return; // never on one, or finished meanwhile
		}
		for (LifecycleParticipant participant : this.participantArray) {
			participant.leftThread(handle);
		}
	}

	/**
	 * Return whether a participant follows this lifecycle's requests.
	 * @param participant the participant
	 * @return whether it is one of this lifecycle's participants
	 */
	boolean follows(LifecycleParticipant participant) {
		for (LifecycleParticipant candidate : this.participants) {
			if (candidate == participant) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The request's body has been read to its end.
	 * @param handle the request
	 */
	public void bodyConsumed(RequestHandle handle) {
		for (LifecycleParticipant participant : this.participantArray) {
			participant.bodyConsumed(handle);
		}
	}

	void timeLimitChanged(RequestHandle handle) {
		if (!this.requests.contains(handle)) {
			return; // no longer in flight
		}
		for (LifecycleParticipant participant : this.participantArray) {
			participant.timeLimitChanged(handle);
		}
	}

	/**
	 * Signal that a request's client went away ({@link ConnectionStatus#ABORTED}) or its
	 * time limit ran out ({@link ConnectionStatus#TIMEOUT}). Sets the bit once, then, off
	 * the calling thread, runs the close callbacks and stops the work (unless an abort is
	 * ignored). Does nothing once the request finished, nor for a client that leaves
	 * after it received the whole response.
	 * @param handle the request
	 * @param bit the bit to set
	 * @param reason what noticed it: {@code client}, {@code timeout}, {@code actuator}
	 * @return whether this call set the bit
	 */
	public boolean signal(RequestHandle handle, int bit, String reason) {
		// Refused once the client had its whole response (RequestHandle.markResponded).
		if (!handle.setBit(bit)) {
			return false;
		}
		signalled(handle, bit, reason);
		return true;
	}

	private void signalled(RequestHandle handle, int bit, String reason) {
		notifyParticipants(handle, bit, reason);
		dispatch(new Batch(new RequestHandle[] { handle }, bit, null));
	}

	private void notifyParticipants(RequestHandle handle, int bit, String reason) {
		for (LifecycleParticipant participant : this.participants) {
			try {
				participant.signalled(handle, bit, reason);
			}
			catch (RuntimeException ex) {
				// One participant's failure must not keep the others, or the request's
				// close callbacks, from hearing of it.
				logger.error("Participant " + participant + " failed on request " + handle.getId(), ex);
			}
		}
	}

	/**
	 * Hand a batch to the callback pool: its close callbacks (for an abort) ahead of its
	 * stops. A few tasks share the batch, however large, so the signalling thread (the
	 * detector, in a burst) queues a handful of tasks, not two per request, and a slow
	 * callback holds up only the task running it.
	 */
	private void dispatch(Batch batch) {
		int tasks = Math.min(this.callbackThreads, batch.handles.length);
		if (batch.bit == ConnectionStatus.ABORTED) {
			countBurst(batch);
			for (int i = 0; i < tasks; i++) {
				execute(new Task(Task.CLOSE_CALLBACKS, batch, this));
			}
			// Threads pacing earlier stops give way to these callbacks (Task.awaitUnwound).
			for (Thread thread : this.pacing) {
				LockSupport.unpark(thread);
			}
		}
		for (int i = 0; i < tasks; i++) {
			execute(new Task(Task.STOP, batch, this));
		}
	}

	private void execute(Task task) {
		try {
			this.callbacks.execute(task);
		}
		catch (RejectedExecutionException ex) {
			// The pool is shut down (the context is closing): run it here rather than
			// never, so that close callbacks still run once.
			task.run();
		}
	}

	/**
	 * Signal many requests at once (a burst of departures seen by one wake-up): every bit
	 * is set before anything else, then all their close callbacks are queued ahead of
	 * any stop, so that no client's callback waits behind another's work being stopped (a
	 * stop wakes the request's thread, which then competes for the CPU). For an abort the
	 * participants hear of each request on the callback pool, just before its close
	 * callbacks: the signalling thread (the detector) only marks and queues, and returns
	 * to watching the other connections at once.
	 * @param handles the requests, of any lifecycles
	 * @param bit the bit to set
	 * @param reason what noticed it
	 */
	public static void signalAll(List<RequestHandle> handles, int bit, String reason) {
		List<RequestHandle> set = new ArrayList<>(handles.size());
		for (RequestHandle handle : handles) {
			if (handle.setBit(bit)) {
				set.add(handle);
			}
		}
		boolean notifyNow = bit != ConnectionStatus.ABORTED;
		if (notifyNow) {
			for (RequestHandle handle : set) {
				handle.lifecycle().notifyParticipants(handle, bit, reason);
			}
		}
		while (!set.isEmpty()) {
			// One batch per lifecycle (one application context: nearly always just one).
			RequestLifecycle lifecycle = set.get(0).lifecycle();
			List<RequestHandle> same = new ArrayList<>(set.size());
			List<RequestHandle> others = new ArrayList<>();
			for (RequestHandle handle : set) {
				(handle.lifecycle() == lifecycle ? same : others).add(handle);
			}
			lifecycle.dispatch(new Batch(same.toArray(new RequestHandle[0]), bit, notifyNow ? null : reason));
			set = others;
		}
	}

	void stopLater(RequestHandle handle) {
		execute(new Task(Task.STOP, new Batch(new RequestHandle[] { handle }, ConnectionStatus.ABORTED, null), this));
	}

	private synchronized void countBurst(Batch batch) {
		long now = this.nanoTime.getAsLong();
		int size = (now - this.lastAbortNanos < GIVE_WAY_QUIET_NANOS) ? this.burstSize : 0;
		this.burstSize = size + batch.handles.length;
		batch.signalledNanos = now;
		batch.sequence = this.lastAbortBatch + 1;
		this.lastAbortNanos = now;
		this.lastAbortBatch = batch.sequence;
	}

	/**
	 * How much longer a stop of {@code batch} gives way to a mass departure
	 * ({@link #GIVE_WAY_BURST} aborts or more, signalled less than
	 * {@link #GIVE_WAY_QUIET_NANOS} apart): until none came for that long, and up to
	 * {@link #GIVE_WAY_MAX_NANOS} after its own signal. Its latest batch waits too: the
	 * next client may be leaving while it is being stopped. A lone departure, or a few,
	 * are stopped at once.
	 * @return nanoseconds, {@code 0} or less to stop now
	 */
	long giveWayNanos(Batch batch) {
		if (batch.sequence == 0 || this.burstSize < GIVE_WAY_BURST) {
			return 0; // no mass departure (time limits and stopLater never give way)
		}
		long now = this.nanoTime.getAsLong();
		return Math.min(GIVE_WAY_QUIET_NANOS - (now - this.lastAbortNanos),
				GIVE_WAY_MAX_NANOS - (now - batch.signalledNanos));
	}

	/**
	 * Finish a request once its work ended: participants disarm, shutdown functions run
	 * with the final bits, the status leaves the registry.
	 * @param handle the request
	 */
	public void finish(RequestHandle handle) {
		if (!handle.markFinished()) {
			return;
		}
		handle.releaseThreadSlot();
		try {
			for (LifecycleParticipant participant : this.participantArray) {
				participant.finished(handle);
			}
			handle.shutdown();
		}
		finally {
			this.requests.remove(handle, handle.bits());
		}
	}

	UserCallbacks userCallbacks() {
		return this.userCallbacks;
	}

	/**
	 * Return whether the current thread is one of the starter's stopping threads, which
	 * must never run application callbacks.
	 * @return whether this thread stops requests
	 */
	static boolean onStopperThread() {
		return Thread.currentThread() instanceof StopperThread;
	}

	@Override
	public void destroy() {
		this.callbacks.shutdown();
		this.userCallbacks.shutdown();
	}

	/**
	 * Defaults applied to every request.
	 *
	 * @param maxExecutionTime the default time limit, {@link Duration#ZERO} for none
	 * @param ignoreUserAbort whether requests keep running after their client goes away
	 * @param cpuClock whether time limits count CPU time instead of elapsed time
	 * @param callbackWarnAfter how long a close callback or shutdown function may run
	 * before it is logged
	 */
	public record Settings(Duration maxExecutionTime, boolean ignoreUserAbort, boolean cpuClock,
			Duration callbackWarnAfter) {

		/** How long a callback may run before it is logged, unless configured. */
		public static final Duration DEFAULT_CALLBACK_WARN_AFTER = Duration.ofSeconds(5);

		public Settings {
			Objects.requireNonNull(maxExecutionTime, "maxExecutionTime must not be null");
			Objects.requireNonNull(callbackWarnAfter, "callbackWarnAfter must not be null");
			TimeLimits.requireValid(maxExecutionTime);
			if (callbackWarnAfter.isNegative() || callbackWarnAfter.isZero()) {
				throw new IllegalArgumentException("callbackWarnAfter must be positive: " + callbackWarnAfter);
			}
		}

		public Settings(Duration maxExecutionTime, boolean ignoreUserAbort, boolean cpuClock) {
			this(maxExecutionTime, ignoreUserAbort, cpuClock, DEFAULT_CALLBACK_WARN_AFTER);
		}

	}

	/**
	 * Requests signalled together; the tasks sharing a batch take its requests in order.
	 */
	static final class Batch {

		final RequestHandle[] handles;

		/** When an abort batch was handed to the pool, and how many were before it. */
		long signalledNanos;

		long sequence;

		final int bit;

		/** Set if the participants are still to be told, each before its close callbacks. */
		final @Nullable String reason;

		final AtomicInteger nextCallbacks = new AtomicInteger();

		final AtomicInteger nextStop = new AtomicInteger();

		Batch(RequestHandle[] handles, int bit, @Nullable String reason) {
			this.handles = handles;
			this.bit = bit;
			this.reason = reason;
		}

	}

	/**
	 * A task of the callback pool: close callbacks first, then stops, each in the order
	 * they were signalled.
	 */
	private static final class Task implements Runnable, Comparable<Task> {

		static final int CLOSE_CALLBACKS = 0;

		static final int STOP = 1;

		/** The longest a stop waits for the previous one: a handler may ignore interrupts. */
		private static final long STOP_PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

		private static final AtomicLong sequence = new AtomicLong();

		private final int rank;

		private final long order = sequence.incrementAndGet();

		private final Batch batch;

		private final RequestLifecycle lifecycle;

		// Fields, not method references: the first abort in a JVM would otherwise link a
		// lambda call site on the detector thread, in the middle of a burst.
		Task(int rank, Batch batch, RequestLifecycle lifecycle) {
			this.rank = rank;
			this.batch = batch;
			this.lifecycle = lifecycle;
		}

		@Override
		public void run() {
			RequestHandle[] handles = this.batch.handles;
			AtomicInteger next = (this.rank == CLOSE_CALLBACKS) ? this.batch.nextCallbacks : this.batch.nextStop;
			for (;;) {
				if (this.rank == STOP && next.get() < handles.length && gaveWay()) {
					return;
				}
				int i = next.getAndIncrement();
				if (i >= handles.length) {
					return;
				}
				try {
					if (this.rank == CLOSE_CALLBACKS) {
						String reason = this.batch.reason;
						try {
							if (reason != null) {
								this.lifecycle.notifyParticipants(handles[i], this.batch.bit, reason);
							}
						}
						finally {
							handles[i].fireCloseCallbacks();
						}
					}
					else if (handles[i].stopWork() && next.get() < handles.length && !awaitUnwound(handles[i])) {
						// Close callbacks are queued: they get this thread, the rest of
						// the stops come after them.
						this.lifecycle.execute(new Task(STOP, this.batch, this.lifecycle));
						return;
					}
				}
				catch (Throwable ex) {
					// Callbacks and stop actions are isolated where they run; this keeps an
					// Error in one request from dropping the rest of the batch.
					logger.error("Handling the end of request " + handles[i].getId() + " failed", ex);
				}
			}
		}

		/**
		 * Give way to a mass departure still under way
		 * ({@link RequestLifecycle#giveWayNanos}): the rest of this batch's stops are
		 * queued again once it may be over. The thread is left free meanwhile, for close
		 * callbacks and for stops that need not wait (time limits, lone departures).
		 * @return whether this task gave way
		 */
		private boolean gaveWay() {
			long wait = this.lifecycle.giveWayNanos(this.batch);
			if (wait <= 0 || !onStopperThread() || this.lifecycle.callbacks.isShutdown()) {
				return false; // also when run by the signalling thread itself: it must not wait
			}
			Task later = new Task(STOP, this.batch, this.lifecycle);
			// The JDK's delay thread only queues it again.
			CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS, Runnable::run)
				.execute(() -> this.lifecycle.execute(later));
			return true;
		}

		/**
		 * Pace a burst's stops: wait, briefly, for the request just stopped to end before
		 * stopping the next, so that at most one woken handler per task unwinds at a time.
		 * Woken all at once, a few hundred threads take turns on the CPUs before the
		 * detector gets its own; the burst takes about as long either way, being CPU-bound.
		 * @return {@code false} as soon as close callbacks are queued: they must not wait
		 * for stops
		 */
		private boolean awaitUnwound(RequestHandle handle) {
			// Parked until the request finishes or callbacks are queued (both unpark this
			// thread), not polling: a thread woken every 100 µs preempts the detector each
			// time, the scheduler favouring threads that just slept.
			Thread self = Thread.currentThread();
			Set<Thread> pacing = this.lifecycle.pacing;
			handle.pacedBy(self);
			pacing.add(self);
			try {
				long deadline = System.nanoTime() + STOP_PACE_NANOS;
				for (;;) {
					if (this.lifecycle.callbacks.getQueue().peek() instanceof Task queued
							&& queued.rank == CLOSE_CALLBACKS) {
						return false;
					}
					long left = deadline - System.nanoTime();
					if (handle.isFinished() || left <= 0 || self.isInterrupted()) {
						return true;
					}
					LockSupport.parkNanos(this, left);
				}
			}
			finally {
				pacing.remove(self);
				handle.pacedBy(null);
			}
		}

		@Override
		public int compareTo(Task other) {
			return (this.rank != other.rank) ? Integer.compare(this.rank, other.rank)
					: Long.compare(this.order, other.order);
		}

	}

	/** The stopping pool's threads, told apart so that they never run application code. */
	private static final class StopperThread extends Thread {

		StopperThread(Runnable runnable, String name) {
			super(runnable, name);
			setDaemon(true);
		}

	}

	private static final class StopperThreads implements java.util.concurrent.ThreadFactory {

		private final String prefix;

		private final AtomicInteger count = new AtomicInteger();

		StopperThreads(String prefix) {
			this.prefix = prefix;
		}

		@Override
		public Thread newThread(Runnable runnable) {
			return new StopperThread(runnable, this.prefix + this.count.incrementAndGet());
		}

	}

}
