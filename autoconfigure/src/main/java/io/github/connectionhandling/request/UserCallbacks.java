package io.github.connectionhandling.request;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs the application's close callbacks and shutdown functions apart from the threads
 * that mark, interrupt, cancel and answer requests, so that a callback that blocks delays
 * no request's stop or time limit. Callbacks queue for runner threads (virtual where the
 * JDK has them, 21+), which take them in turn: a mass departure's thousands of callbacks
 * cost a queue operation each, not a thread hand-off each. A callback that blocks holds
 * those queued behind it for about {@link #HAND_ON_NANOS} at most (below
 * {@link #MAX_PLATFORM_THREADS} blocked platform threads): a callback queued while
 * no runner is free wakes a parked one, and once no runner has taken a callback for that
 * long while some wait, the watchdog adds runners (as Go's scheduler hands a processor on
 * from a goroutine blocked in a system call). The watchdog also logs, once, a callback
 * still running after {@code warnAfter}, with its request and where it is stuck.
 * <p>
 * One file, over 400 lines: the runners' counts (queued, free, parked) and the watchdog's
 * reading of them are one protocol, each side ordered against the other.
 */
final class UserCallbacks {

	private static final Log logger = LogFactory.getLog(UserCallbacks.class);

	/** Platform runners at most; beyond them callbacks wait for one another. */
	static final int MAX_PLATFORM_THREADS = 256;

	/** How long every runner may be in its callback before the queue moves on to another. */
	static final long HAND_ON_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** How long an idle runner waits for work before it ends. */
	private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);

	// Looked up by name (the starter is built for Java 17); RequestRuntimeHints names them.
	static final String OF_VIRTUAL = "ofVirtual";

	static final String BUILDER = "java.lang.Thread$Builder";

	static final String NAME = "name";

	static final String FACTORY = "factory";

	private static final @Nullable ThreadFactory VIRTUAL = virtualThreads("connection-handling-callback-");

	private final ThreadFactory threads;

	private final boolean virtual;

	private final int maxRunners;

	private final long warnAfterNanos;

	private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();

	/** Jobs queued and not yet taken. */
	private final AtomicInteger queued = new AtomicInteger();

	private final Set<Runner> runners = ConcurrentHashMap.newKeySet();

	/** When a runner last took a job: while they keep taking them, the queue moves. */
	private volatile long lastTakeNanos = System.nanoTime() - HAND_ON_NANOS;

	/**
	 * Runners neither in a callback nor parked (woken ones included): each polls the
	 * queue before it parks.
	 */
	private final AtomicInteger free = new AtomicInteger();

	/** Parked runners, the latest first. */
	private final ConcurrentLinkedDeque<Runner> parked = new ConcurrentLinkedDeque<>();

	/** Callbacks run by threads of their own ({@link #runWatched}), watched for overstaying. */
	private final Set<Job> watchedElsewhere = ConcurrentHashMap.newKeySet();

	private final Thread watchdog;

	/** The watchdog is awake, or looks again within {@link #HAND_ON_NANOS}: jobs may be queued. */
	private static final int TICKING = 0;

	/** The watchdog sleeps until a warning could be due. */
	private static final int SLEEPING = 1;

	/** The watchdog sleeps until woken: nothing was queued, running or watched. */
	private static final int IDLE = 2;

	private final AtomicInteger watchdogState = new AtomicInteger(TICKING);

	private final AtomicBoolean limitLogged = new AtomicBoolean();

	private volatile boolean shutdown;

	/**
	 * Create the executor.
	 * @param warnAfter how long a callback may run before it is logged
	 * @param preferVirtual whether to use virtual threads where the JDK has them
	 */
	UserCallbacks(Duration warnAfter, boolean preferVirtual) {
		this.warnAfterNanos = warnAfter.toNanos();
		ThreadFactory virtual = preferVirtual ? VIRTUAL : null;
		this.virtual = virtual != null;
		this.threads = (virtual != null) ? virtual : new NamedDaemonThreads("connection-handling-callback-");
		this.maxRunners = (virtual != null) ? Integer.MAX_VALUE : MAX_PLATFORM_THREADS;
		this.watchdog = new NamedDaemonThreads("connection-handling-callback-watchdog-").newThread(this::watch);
		this.watchdog.start();
	}

	/**
	 * Return whether callbacks run on virtual threads.
	 * @return whether virtual threads are used
	 */
	boolean usesVirtualThreads() {
		return this.virtual;
	}

	/**
	 * Run a request's callbacks on a runner.
	 * @param handle the request
	 * @param kind what runs, for the log
	 * @param callbacks the callbacks
	 */
	void execute(RequestHandle handle, String kind, Runnable callbacks) {
		Job job = new Job(handle, kind, callbacks);
		if (this.shutdown) {
			// The context is closing: run here rather than never.
			runWatched(job);
			return;
		}
		this.queued.incrementAndGet();
		this.queue.offer(job);
		// A free runner polls the queue before it parks (Runner#park checks it again). With
		// none free, a parked one is woken; with all in callbacks, those that took one just
		// now drain the queue, and the watchdog adds a runner should all of them be held.
		if (this.free.get() == 0
				&& (!this.parked.isEmpty() || System.nanoTime() - this.lastTakeNanos >= HAND_ON_NANOS)) {
			addRunner();
		}
		wakeWatchdog();
		if (this.shutdown) {
			// Raced shutdown(): the runners may have ended before the job was queued. This
			// thread offered, then read the flag; a runner reads the flag, then the queue:
			// one of them sees the job.
			for (Job left = this.queue.poll(); left != null; left = this.queue.poll()) {
				this.queued.decrementAndGet();
				runIsolated(left);
			}
		}
	}

	private void runIsolated(Job job) {
		try {
			runWatched(job);
		}
		catch (Throwable ex) {
			logger.error(job.kind + " of request " + job.handle.getId() + " failed", ex);
		}
	}

	/**
	 * Run a request's callbacks on this thread, watched for overstaying.
	 * @param handle the request
	 * @param kind what runs, for the log
	 * @param callbacks the callbacks
	 */
	void runWatched(RequestHandle handle, String kind, Runnable callbacks) {
		runWatched(new Job(handle, kind, callbacks));
	}

	private void runWatched(Job job) {
		job.start(Thread.currentThread());
		this.watchedElsewhere.add(job);
		// An idle watchdog is woken; a sleeping one wakes before this job's warning is due.
		if (this.watchdogState.get() == IDLE && this.watchdogState.compareAndSet(IDLE, TICKING)) {
			LockSupport.unpark(this.watchdog);
		}
		try {
			job.callbacks.run();
		}
		finally {
			this.watchedElsewhere.remove(job);
		}
	}

	/** Wake a parked runner or, below the limit, start one. */
	private void addRunner() {
		Runner runner = this.parked.poll();
		if (runner != null) {
			this.free.incrementAndGet();
			runner.wake();
			return;
		}
		if (this.runners.size() >= this.maxRunners) {
			if (this.limitLogged.compareAndSet(false, true)) {
				logger.warn("All " + this.maxRunners + " callback threads are busy: close callbacks and shutdown"
						+ " functions now wait for one another");
			}
			return;
		}
		runner = new Runner();
		Thread thread = this.threads.newThread(runner);
		runner.thread = thread;
		this.runners.add(runner);
		this.free.incrementAndGet();
		try {
			thread.start();
		}
		catch (Throwable ex) {
			// No thread: no phantom free runner either (the watchdog tries again).
			this.runners.remove(runner);
			this.free.decrementAndGet();
			logger.error("Could not start a callback thread", ex);
		}
	}

	/** Wake the watchdog unless it is looking already: queued jobs must not wait for a long sleep. */
	private void wakeWatchdog() {
		if (this.watchdogState.get() != TICKING && this.watchdogState.getAndSet(TICKING) != TICKING) {
			LockSupport.unpark(this.watchdog);
		}
	}

	/**
	 * The watchdog's loop: while jobs are queued it looks every {@link #HAND_ON_NANOS}
	 * whether a runner still takes them, and adds runners if every one is held in its
	 * callback; it logs callbacks that overstay. With nothing queued it sleeps until a
	 * warning could be due, or until woken.
	 */
	private void watch() {
		while (!this.shutdown || this.queued.get() > 0) {
			long now = System.nanoTime();
			long next = Long.MAX_VALUE;
			int busy = 0;
			for (Runner runner : this.runners) {
				Job job = runner.job;
				if (job != null) {
					busy++;
					next = Math.min(next, warnIfOverstayed(job, now));
				}
			}
			for (Job job : this.watchedElsewhere) {
				next = Math.min(next, warnIfOverstayed(job, now));
			}
			int waiting = this.queued.get();
			if (waiting > 0 && this.free.get() == 0 && now - this.lastTakeNanos >= HAND_ON_NANOS) {
				// Every runner is held: as many more as are held, at most one per job.
				for (int i = Math.min(waiting, Math.max(1, busy)); i > 0; i--) {
					addRunner();
				}
			}
			if (waiting > 0) {
				LockSupport.parkNanos(this, (next == Long.MAX_VALUE) ? HAND_ON_NANOS
						: Math.max(1, Math.min(HAND_ON_NANOS, next - now)));
				continue;
			}
			int state = (next == Long.MAX_VALUE && busy == 0 && this.watchedElsewhere.isEmpty()) ? IDLE : SLEEPING;
			this.watchdogState.set(state);
			// A job queued before the state was set found the watchdog looking: look again.
			if (this.queued.get() > 0 || (state == IDLE && (!this.watchedElsewhere.isEmpty() || anyBusy()))) {
				this.watchdogState.set(TICKING);
				continue;
			}
			if (state == IDLE) {
				LockSupport.park(this);
			}
			else {
				long until = (next == Long.MAX_VALUE) ? now + this.warnAfterNanos : next;
				LockSupport.parkNanos(this, Math.max(until - System.nanoTime(), 1));
			}
			this.watchdogState.set(TICKING);
		}
	}

	private boolean anyBusy() {
		for (Runner runner : this.runners) {
			if (runner.job != null) {
				return true;
			}
		}
		return false;
	}

	/** Log the job if it overstayed; return when it should be looked at next. */
	private long warnIfOverstayed(Job job, long now) {
		if (job.warned) {
			return Long.MAX_VALUE;
		}
		long due = job.startedNanos + this.warnAfterNanos;
		if (now - due < 0) {
			return due;
		}
		job.warned = true;
		Thread thread = job.thread;
		if (thread != null && logger.isWarnEnabled()) {
			RequestInfo info = job.handle.getInfo();
			IllegalStateException where = new IllegalStateException("Stack of " + thread.getName());
			where.setStackTrace(thread.getStackTrace());
			logger.warn(job.kind + " of request " + job.handle.getId() + " (" + info.method() + " " + info.uri()
					+ ") still running after " + Duration.ofNanos(this.warnAfterNanos) + " on thread "
					+ thread.getName(), where);
		}
		return Long.MAX_VALUE;
	}

	void shutdown() {
		this.shutdown = true;
		LockSupport.unpark(this.watchdog);
		for (Runner runner : this.runners) {
			LockSupport.unpark(runner.thread);
		}
	}

	/** One request's callbacks to run, and where and since when they run. */
	private static final class Job {

		final RequestHandle handle;

		final String kind;

		final Runnable callbacks;

		volatile @Nullable Thread thread;

		volatile long startedNanos;

		/** Written by the watchdog only. */
		boolean warned;

		Job(RequestHandle handle, String kind, Runnable callbacks) {
			this.handle = handle;
			this.kind = kind;
			this.callbacks = callbacks;
		}

		void start(Thread thread) {
			this.startedNanos = System.nanoTime();
			this.thread = thread;
		}

	}

	/** A thread that takes queued jobs in turn, and parks when there are none. */
	private final class Runner implements Runnable {

		volatile @Nullable Thread thread;

		/** The job running, for the watchdog. */
		volatile @Nullable Job job;

		private volatile boolean woken;

		@Override
		public void run() {
			Thread self = Thread.currentThread();
			boolean countedFree = true;
			try {
				while (!UserCallbacks.this.shutdown || !UserCallbacks.this.queue.isEmpty()) {
					Job next = UserCallbacks.this.queue.poll();
					if (next == null) {
						if (!park()) {
							countedFree = false;
							return;
						}
						continue;
					}
					// Seen running before it is no longer counted as queued: the watchdog,
					// about to sleep, must see one or the other.
					next.start(self);
					this.job = next;
					UserCallbacks.this.lastTakeNanos = next.startedNanos;
					UserCallbacks.this.queued.decrementAndGet();
					UserCallbacks.this.free.decrementAndGet();
					try {
						next.callbacks.run();
					}
					catch (Throwable ex) {
						// Each callback is isolated where it runs; this keeps the runner.
						logger.error(next.kind + " of request " + next.handle.getId() + " failed", ex);
					}
					finally {
						this.job = null;
						// A callback's interrupt must not reach the next one.
						Thread.interrupted();
						UserCallbacks.this.free.incrementAndGet();
					}
				}
			}
			finally {
				if (countedFree) {
					UserCallbacks.this.free.decrementAndGet();
				}
				UserCallbacks.this.runners.remove(this);
			}
		}

		/**
		 * Park until woken for a job.
		 * @return {@code false} if idle for the keep-alive, and the runner is to end
		 */
		private boolean park() {
			UserCallbacks callbacks = UserCallbacks.this;
			callbacks.parked.push(this);
			callbacks.free.decrementAndGet();
			// A job offered while this runner still counted as free woke nobody.
			if (!callbacks.queue.isEmpty() && callbacks.parked.removeFirstOccurrence(this)) {
				callbacks.free.incrementAndGet();
				return true;
			}
			long deadline = System.nanoTime() + KEEP_ALIVE_NANOS;
			for (;;) {
				// An interrupt sent after its callback returned would end every park at once.
				Thread.interrupted();
				if (this.woken) {
					this.woken = false;
					return true; // counted as free by the waker
				}
				if (callbacks.shutdown && callbacks.parked.removeFirstOccurrence(this)) {
					callbacks.free.incrementAndGet();
					return true; // the loop drains what is left, then ends
				}
				long left = deadline - System.nanoTime();
				if (left <= 0 && callbacks.parked.removeFirstOccurrence(this)) {
					return false; // ends, not counted as free
				}
				LockSupport.parkNanos(this, Math.max(left, TimeUnit.MILLISECONDS.toNanos(1)));
			}
		}

		void wake() {
			this.woken = true;
			LockSupport.unpark(this.thread);
		}

	}

	/**
	 * A factory of virtual threads, through reflection: the starter is compiled for Java
	 * 17, where {@code Thread.ofVirtual()} does not exist.
	 */
	private static @Nullable ThreadFactory virtualThreads(String prefix) {
		try {
			Method ofVirtual = Thread.class.getMethod(OF_VIRTUAL);
			Object builder = ofVirtual.invoke(null);
			Class<?> builderType = Class.forName(BUILDER);
			builder = builderType.getMethod(NAME, String.class, long.class).invoke(builder, prefix, 1L);
			return (ThreadFactory) builderType.getMethod(FACTORY).invoke(builder);
		}
		catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
			return null;
		}
	}

	static final class NamedDaemonThreads implements ThreadFactory {

		private final String prefix;

		private final AtomicInteger count = new AtomicInteger();

		NamedDaemonThreads(String prefix) {
			this.prefix = prefix;
		}

		@Override
		public Thread newThread(Runnable runnable) {
			Thread thread = new Thread(runnable, this.prefix + this.count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}

	}

}
