package io.github.connectionhandling.timelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.ParticipantSlot;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestThreads;
import io.github.connectionhandling.request.TimeLimits;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;

/**
 * Signals {@link ConnectionStatus#TIMEOUT} when a request's time limit runs out. One
 * scheduler thread serves every request: arming and disarming a limit are O(log n), and a
 * request that finishes before its limit leaves nothing behind (cancelled timers are
 * removed at once). A request with a limit over 250 ms is only marked at its start:
 * drains 100 ms apart arm timers for those still running, found on their threads' slots
 * ({@link RequestThreads}) once they have run for 100 ms (so at most 200 ms in, or earlier
 * if their deadline is near) or, once they left their first thread, in a queue. The short
 * requests that make up most traffic never touch the scheduler's queue nor any other, and
 * under load the timer thread wakes ten times a second, scheduling its next drain itself,
 * not once per request.
 * <p>
 * On the wall clock a timer fires at the deadline. On the CPU clock it fires when the
 * limit could first have been used up (CPU time never runs faster than the wall clock
 * per thread), then checks the CPU time of the request's threads and, if some is left,
 * re-arms for the rest.
 */
public final class TimeLimiter implements LifecycleParticipant, DisposableBean {

	private static final Log logger = LogFactory.getLog(TimeLimiter.class);

	private final ScheduledThreadPoolExecutor scheduler;

	private final boolean cpuClock;

	/** How long a request may run before its timer is armed; its deadline is unchanged. */
	private static final Duration DRAIN_DELAY = Duration.ofMillis(100);

	private final long drainDelayNanos;

	/** Limits this short are armed at once: a drain could come too late for them. */
	private static final long EAGER_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

	/**
	 * Requests queued to be armed by the next drain, through a token that the request
	 * empties when it ends: the queue holds a finished request for up to 100 ms, and
	 * holding the request itself would keep everything it references (on Jetty, its
	 * request and response objects) alive through young collections, whose pauses grew
	 * several-fold under load.
	 */
	private final Queue<Queued> young = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean drainScheduled = new AtomicBoolean();

	/**
	 * A request's timer. A request with a limit over 250 ms that is still on its first
	 * thread's slot ({@link RequestThreads}) is deferred: the drain finds it there, so the
	 * many requests that end on their first thread are never queued.
	 */
	static final ParticipantSlot<Arming> TIMER = ParticipantSlot.create("timer");

	/**
	 * Arming a request's timer, by a drain, a limit change or a CPU-clock re-arm, happens
	 * under one of these, picked by the request: never the request's own monitor, which
	 * the application may hold.
	 */
	private final Object[] locks = new Object[64];

	/** Requests found on thread slots by a drain; guarded by the young queue's lock. */
	private final List<RequestHandle> onThreads = new ArrayList<>();

	/**
	 * Create a time limiter.
	 * @param cpuClock whether limits count the CPU time of the request's threads
	 */
	public TimeLimiter(boolean cpuClock) {
		this(cpuClock, DRAIN_DELAY);
	}

	TimeLimiter(boolean cpuClock, Duration drainDelay) {
		this.cpuClock = cpuClock;
		this.drainDelayNanos = drainDelay.toNanos();
		this.scheduler = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, "connection-handling-timer");
			thread.setDaemon(true);
			return thread;
		});
		for (int i = 0; i < this.locks.length; i++) {
			this.locks[i] = new Object();
		}
		this.scheduler.setRemoveOnCancelPolicy(true);
		this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
	}

	public String describe() {
		return (this.cpuClock ? "CPU time of the request's threads" : "wall clock") + ", 1 timer thread";
	}

	@Override
	public void started(RequestHandle handle, boolean bodyPending) {
		Duration limit = handle.getTimeLimit();
		if (limit.isZero()) {
			return;
		}
		if (limit.toNanos() <= EAGER_LIMIT_NANOS) {
			arm(handle);
			return;
		}
		// Most requests end long before their limit: arm a timer only for those still
		// running at a drain after they ran for the drain delay (the deadline is unchanged). On its first thread the
		// drain finds the request on the thread's slot; elsewhere it is queued.
		if (handle.isOnThreadSlot()) {
			TIMER.defer(handle);
			scheduleDrain();
			return;
		}
		Queued queued = new Queued(handle);
		TIMER.set(handle, queued);
		this.young.add(queued);
		scheduleDrain();
	}

	@Override
	public void timeLimitChanged(RequestHandle handle) {
		// Locked against a drain arming it at the same moment: the drain could read the old
		// limit and set its timer after this one, and the old deadline would win.
		synchronized (lockOf(handle)) {
			Duration limit = handle.getTimeLimit();
			if ((TIMER.get(handle) instanceof Queued || TIMER.isDeferred(handle)) && !limit.isZero()
					&& limit.toNanos() > EAGER_LIMIT_NANOS) {
				return; // still waiting for a drain, which arms it with the new limit
			}
			arm(handle);
		}
	}

	private Object lockOf(RequestHandle handle) {
		return this.locks[System.identityHashCode(handle) & (this.locks.length - 1)];
	}

	@Override
	public void leftThread(RequestHandle handle) {
		if (!TIMER.isDeferred(handle)) {
			return;
		}
		Queued queued = new Queued(handle);
		// Fails if it finished, or its limit changed, meanwhile.
		if (TIMER.takeOver(handle, queued)) {
			this.young.add(queued);
			scheduleDrain();
		}
	}

	private void scheduleDrain() {
		// Read first: under load a drain is nearly always scheduled, and a failing
		// compareAndSet would still take the cache line from the other cores.
		if (!this.drainScheduled.get() && this.drainScheduled.compareAndSet(false, true)) {
			this.scheduler.schedule(this::drain, this.drainDelayNanos, TimeUnit.NANOSECONDS);
		}
	}

	private void drain() {
		// Locked against armedCount(): a handle taken from the queue but not yet armed
		// would be counted nowhere.
		synchronized (this.young) {
			boolean waiting = false;
			this.drainScheduled.set(false);
			Queued queued;
			while ((queued = this.young.poll()) != null) {
				RequestHandle handle = queued.waiting();
				if (handle != null) {
					arm(handle);
				}
			}
			RequestThreads.collect(this, this.onThreads);
			long now = System.nanoTime();
			try {
				for (RequestHandle handle : this.onThreads) {
					if (TIMER.isDeferred(handle) && !handle.isFinished()) {
						if (now - handle.getStartNanos() < this.drainDelayNanos
								&& TimeLimits.deadline(handle.getLimitStartNanos(), handle.getTimeLimit()) - now > 2
										* this.drainDelayNanos) {
							// Started since the last drain: most likely done by the next,
							// which still comes well before its deadline.
							waiting = true;
						}
						else {
							arm(handle);
						}
					}
				}
			}
			finally {
				this.onThreads.clear();
			}
			if (waiting || !this.young.isEmpty()) {
				// Scheduled from here, under load: a request thread scheduling it would
				// wake this thread for it, a second switch per drain. Under the lock, so
				// that armedCount() never sees the flag set and the drain not queued.
				scheduleDrain();
			}
		}
	}

	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		if (bit == ConnectionStatus.TIMEOUT) {
			disarm(handle);
		}
	}

	@Override
	public void finished(RequestHandle handle) {
		disarm(handle);
	}

	private void arm(RequestHandle handle) {
		synchronized (lockOf(handle)) {
			disarm(handle);
			Duration limit = handle.getTimeLimit();
			if (limit.isZero() || handle.isFinished()) {
				return;
			}
			long delay = TimeLimits.deadline(handle.getLimitStartNanos(), limit) - System.nanoTime();
			schedule(handle, new Timer(), delay);
		}
	}

	private void schedule(RequestHandle handle, Timer timer, long delayNanos) {
		TIMER.set(handle, timer);
		timer.future = this.scheduler.schedule(() -> expire(handle, timer), Math.max(0, delayNanos),
				TimeUnit.NANOSECONDS);
		if (handle.isFinished() || TIMER.get(handle) != timer) {
			// Ended (or re-armed) while this was scheduled: its disarming may have found
			// no future to cancel, and the timer would hold the request until its deadline.
			timer.cancel();
		}
	}

	private void disarm(RequestHandle handle) {
		Arming slot = TIMER.get(handle);
		if (slot instanceof Timer timer) {
			TIMER.set(handle, null);
			timer.cancel();
		}
		else if (slot instanceof Queued queued) {
			TIMER.set(handle, null);
			queued.handle = null; // the drain skips it
		}
		else {
			TIMER.clearDeferred(handle);
		}
	}

	private void expire(RequestHandle handle, Timer timer) {
		synchronized (lockOf(handle)) {
			if (TIMER.get(handle) != timer || handle.isFinished()) {
				return; // re-armed or finished meanwhile
			}
			if (this.cpuClock) {
				long remaining = handle.getTimeLimit().toNanos() - handle.cpuNanosSinceLimitStart();
				if (remaining > 0) {
					schedule(handle, timer, remaining);
					return;
				}
			}
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Time limit of " + handle + " (" + handle.getTimeLimit() + ") ran out");
		}
		handle.signal(ConnectionStatus.TIMEOUT, "timeout");
	}

	/**
	 * Return the number of armed timers, for tests and monitoring.
	 * @return the count
	 */
	public int armedCount() {
		synchronized (this.young) {
			return countArmed();
		}
	}

	private int countArmed() {
		int scheduled = this.scheduler.getQueue().size() - (this.drainScheduled.get() ? 1 : 0);
		int young = 0;
		for (Queued queued : this.young) {
			if (queued.waiting() != null) {
				young++;
			}
		}
		RequestThreads.collect(this, this.onThreads);
		try {
			for (RequestHandle handle : this.onThreads) {
				if (TIMER.isDeferred(handle) && !handle.isFinished()) {
					young++;
				}
			}
		}
		finally {
			this.onThreads.clear();
		}
		return Math.max(0, scheduled) + young;
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

	/** What a request's timer slot holds once it is not deferred. */
	sealed interface Arming permits Queued, Timer {

	}

	/** A request's place in the young queue; emptied when it is disarmed. */
	private static final class Queued implements Arming {

		volatile @Nullable RequestHandle handle;

		Queued(RequestHandle handle) {
			this.handle = handle;
		}

		/** The request, if it still waits for this token to be armed. */
		@Nullable RequestHandle waiting() {
			RequestHandle handle = this.handle;
			return (handle != null && TIMER.get(handle) == this && !handle.isFinished()) ? handle : null;
		}

	}

	/** One arming of a request's limit; re-armed in place on the CPU clock. */
	private static final class Timer implements Arming {

		volatile @Nullable ScheduledFuture<?> future;

		void cancel() {
			ScheduledFuture<?> future = this.future;
			if (future != null) {
				future.cancel(false);
			}
		}

	}

}
