package io.github.connectionhandling.request;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.container.ContainerConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One request as its lifecycle sees it: its status bits, what stops its work from another
 * thread (the threads working for it, the actions that stop its async work) and the
 * participants' per-request state. Created by {@link RequestLifecycle#start}, ended by
 * {@link RequestLifecycle#finish}. Application code sees only its {@link #status()}: a
 * {@link ConnectionStatus} that does not lead back here.
 * <p>
 * Longer than most files here on purpose: everything guarded by the handle's lock (its
 * workers, stop actions and callbacks) and every transition of its state word stays in
 * one class, so that the exactly-once rules can be checked by reading one file.
 */
public final class RequestHandle {

	private static final int ABORTED = ConnectionStatus.ABORTED;

	private static final int TIMEOUT = ConnectionStatus.TIMEOUT;

	private static final Log logger = LogFactory.getLog(RequestHandle.class);

	private static final int FINISHED = 1 << 8;

	/** The client has had its whole response: its leaving is no longer an abort. */
	private static final int RESPONDED = 1 << 9;

	/** The fields behind the var handles below (see {@link RequestRuntimeHints}). */
	static final List<String> VAR_HANDLE_FIELDS = List.of("state");

	private static final VarHandle STATE;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATE = lookup.findVarHandle(RequestHandle.class, VAR_HANDLE_FIELDS.get(0), int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final String id;

	private final RequestInfo info;

	private final @Nullable ContainerConnection connection;

	private final RequestLifecycle lifecycle;

	private final ConnectionStatus status = new Status(this);

	private final Instant startedAt = Instant.now();

	private final long startNanos = System.nanoTime();

	/** The status bits, and {@link #FINISHED} once the request ended. */
	private volatile int state;

	private volatile boolean userAbortIgnored;

	private volatile Duration timeLimit;

	private volatile long limitStartNanos;

	private volatile @Nullable String handler;

	private volatile long abortedAtNanos;

	/** The participants' per-request state, each read and written through its {@link ParticipantSlot}. */
	final @Nullable Object[] slots = new Object[ParticipantSlot.CAPACITY];

	/** The slot of the thread the request started on, if it had one (see RequestThreads). */
	private volatile RequestThreads.@Nullable Slot threadSlot;

	/** A stopping thread that stopped this request and waits for it to end. */
	private volatile @Nullable Thread pacer;

	private final Object lock = new Object();

	// Guarded by lock
	private final List<Worker> workers = new ArrayList<>(2);

	private final List<StopAction> stopActions = new ArrayList<>(2);

	private @Nullable List<Consumer<? super ConnectionStatus>> closeCallbacks;

	private @Nullable List<Consumer<? super ConnectionStatus>> shutdownFunctions;

	private boolean stopped;

	private boolean closeCallbacksFired;

	private boolean closeCallbacksRunning;

	private boolean shutdownDue;

	private long cpuNanosOfDetachedWorkers;

	RequestHandle(String id, RequestInfo info, @Nullable ContainerConnection connection, RequestLifecycle lifecycle) {
		this.id = id;
		this.info = info;
		this.connection = connection;
		this.lifecycle = lifecycle;
		// The defaults, written once each (volatile writes are not free on this path).
		RequestLifecycle.Settings settings = lifecycle.getSettings();
		this.timeLimit = settings.maxExecutionTime();
		this.limitStartNanos = this.startNanos;
		this.userAbortIgnored = settings.ignoreUserAbort();
	}

	/**
	 * Return the request's status as application code sees it.
	 * @return the status
	 */
	public ConnectionStatus status() {
		return this.status;
	}

	// What the status delegates to

	public int bits() {
		return this.state & (ABORTED | TIMEOUT);
	}

	public boolean isAborted() {
		return (this.state & ABORTED) != 0;
	}

	public boolean isTimedOut() {
		return (this.state & TIMEOUT) != 0;
	}

	public boolean ignoreUserAbort(boolean ignore) {
		boolean previous = this.userAbortIgnored;
		this.userAbortIgnored = ignore;
		if (previous && !ignore && isAborted()) {
			// Like PHP: an abort that was ignored stops the work once it no longer is.
			this.lifecycle.stopLater(this);
		}
		return previous;
	}

	public boolean isUserAbortIgnored() {
		return this.userAbortIgnored;
	}

	public void setTimeLimit(Duration limit) {
		applyTimeLimit(limit, System.nanoTime());
	}

	/**
	 * Set the time limit counted from the given instant (the request's start for limits
	 * from configuration and annotations, now for {@link #setTimeLimit}).
	 * @param limit the limit, {@link Duration#ZERO} for none
	 * @param fromNanos the {@link System#nanoTime()} the limit counts from
	 */
	public void applyTimeLimit(Duration limit, long fromNanos) {
		TimeLimits.requireValid(limit);
		synchronized (this.lock) {
			this.timeLimit = limit;
			this.limitStartNanos = fromNanos;
			if (this.lifecycle.countsCpuTime()) {
				this.cpuNanosOfDetachedWorkers = 0;
				for (Worker worker : this.workers) {
					worker.restart();
				}
			}
		}
		this.lifecycle.timeLimitChanged(this);
	}

	public Duration getTimeLimit() {
		return this.timeLimit;
	}

	public void onClose(Consumer<? super ConnectionStatus> callback) {
		synchronized (this.lock) {
			if (!this.closeCallbacksFired) {
				if (this.closeCallbacks == null) {
					this.closeCallbacks = new ArrayList<>(2);
				}
				this.closeCallbacks.add(CallbackContext.capture(callback));
				return;
			}
		}
		// The client is already gone: run it at once, exactly once.
		run(callback, "Close callback");
	}

	public void onShutdown(Consumer<? super ConnectionStatus> callback) {
		synchronized (this.lock) {
			if (this.shutdownFunctions == null) {
				this.shutdownFunctions = new ArrayList<>(2);
			}
			this.shutdownFunctions.add(CallbackContext.capture(callback));
		}
	}

	public void checkpoint() {
		if (shouldStop(this.state)) {
			throw new RequestStoppedException(bits());
		}
	}

	/**
	 * Signal that the client went away or the time limit ran out; see
	 * {@link RequestLifecycle#signal}.
	 * @param bit {@link #ABORTED} or {@link #TIMEOUT}
	 * @param reason what noticed it: {@code client}, {@code timeout}, {@code actuator}
	 * @return whether this call set the bit
	 */
	public boolean signal(int bit, String reason) {
		return this.lifecycle.signal(this, bit, reason);
	}

	RequestLifecycle lifecycle() {
		return this.lifecycle;
	}

	/**
	 * Set or clear the thread to unpark when this request finishes.
	 * @param thread the waiting thread, {@code null} when it no longer waits
	 */
	void pacedBy(@Nullable Thread thread) {
		this.pacer = thread;
	}

	// Read by the web layer, the time limiter, the detector and the actuator

	public String getId() {
		return this.id;
	}

	public RequestInfo getInfo() {
		return this.info;
	}

	public @Nullable ContainerConnection getConnection() {
		return this.connection;
	}

	public Instant getStartedAt() {
		return this.startedAt;
	}

	public Duration getElapsed() {
		return Duration.ofNanos(System.nanoTime() - this.startNanos);
	}

	public long getStartNanos() {
		return this.startNanos;
	}

	public long getLimitStartNanos() {
		return this.limitStartNanos;
	}

	public @Nullable String getHandler() {
		return this.handler;
	}

	public void setHandler(@Nullable String handler) {
		this.handler = handler;
	}

	/**
	 * Return the {@link System#nanoTime()} at which the abort was signalled, 0 if none.
	 * @return the nano time of the abort
	 */
	public long getAbortedAtNanos() {
		return this.abortedAtNanos;
	}

	public boolean isFinished() {
		return (this.state & FINISHED) != 0;
	}

	/**
	 * Record that the client has had its whole response (the declared body length was
	 * written, or a timed-out client was answered or dismissed). A client that closes its
	 * connection from now on has not aborted the request: it may well have read its answer
	 * before the request's thread returned to the container (Jetty completes a response as
	 * soon as its declared length was written).
	 */
	public void markResponded() {
		for (;;) {
			int current = this.state;
			if ((current & RESPONDED) != 0 || STATE.compareAndSet(this, current, current | RESPONDED)) {
				return;
			}
		}
	}

	/**
	 * Undo {@link #markResponded()}: writing the end of the response failed.
	 */
	public void unmarkResponded() {
		for (;;) {
			int current = this.state;
			if ((current & RESPONDED) == 0 || STATE.compareAndSet(this, current, current & ~RESPONDED)) {
				return;
			}
		}
	}

	/**
	 * Return whether the client has had its whole response; see {@link #markResponded()}.
	 * @return whether the response is complete
	 */
	public boolean isResponded() {
		return (this.state & RESPONDED) != 0;
	}

	/**
	 * Return whether the request's work should stop: it timed out, or its client went
	 * away and aborts are not ignored.
	 * @return whether the work should stop
	 */
	public boolean isStopped() {
		return shouldStop(this.state);
	}

	private boolean shouldStop(int state) {
		return (state & TIMEOUT) != 0 || ((state & ABORTED) != 0 && !this.userAbortIgnored);
	}

	/**
	 * Return the names of the threads working for this request now.
	 * @return the thread names
	 */
	public List<String> getWorkerNames() {
		synchronized (this.lock) {
			return this.workers.stream().map((worker) -> worker.thread.getName()).toList();
		}
	}

	/**
	 * Return the CPU time the request's workers used since its time limit started.
	 * @return the CPU time in nanoseconds
	 */
	public long cpuNanosSinceLimitStart() {
		synchronized (this.lock) {
			long total = this.cpuNanosOfDetachedWorkers;
			for (Worker worker : this.workers) {
				total += worker.used();
			}
			return total;
		}
	}

	/**
	 * Return whether the request is on its first thread's slot (see
	 * {@link RequestThreads}): participants that act on requests still running after a
	 * while find it there, and need not queue it until it {@linkplain
	 * LifecycleParticipant#leftThread leaves its thread}.
	 * @return whether the request is on a thread slot
	 */
	public boolean isOnThreadSlot() {
		RequestThreads.Slot slot = this.threadSlot;
		return slot != null && slot.get() == this;
	}

	void claimThreadSlot() {
		this.threadSlot = RequestThreads.claim(this);
	}

	/**
	 * Take this request off its thread's slot.
	 * @return whether this call took it off
	 */
	boolean releaseThreadSlot() {
		RequestThreads.Slot slot = this.threadSlot;
		return slot != null && slot.release(this);
	}

	// Work: threads and actions

	boolean attachWorker(Thread thread) {
		synchronized (this.lock) {
			if (this.stopped || isFinished()) {
				// Never interrupt a thread that joins after the stop.
				return false;
			}
			Worker worker = new Worker(thread);
			if (this.lifecycle.countsCpuTime()) {
				worker.restart();
			}
			this.workers.add(worker);
			return true;
		}
	}

	void detachWorker(Thread thread) {
		synchronized (this.lock) {
			for (int i = 0; i < this.workers.size(); i++) {
				Worker worker = this.workers.get(i);
				if (worker.thread == thread) {
					if (this.lifecycle.countsCpuTime()) {
						this.cpuNanosOfDetachedWorkers += worker.used();
					}
					this.workers.remove(i);
					return;
				}
			}
		}
	}

	/**
	 * Add an action that stops part of this request's async work (cancel a future,
	 * complete an async request). Added after the work was stopped, it runs at once.
	 * @param action the action
	 */
	public void addStopAction(StopAction action) {
		synchronized (this.lock) {
			if (!this.stopped) {
				this.stopActions.add(action);
				return;
			}
		}
		runStopAction(action, bits());
	}

	// Lifecycle, driven by RequestLifecycle

	/**
	 * Set a status bit unless it is set already or the request has finished; an abort
	 * also not once the client has had its whole response.
	 * @param bit {@link #ABORTED} or {@link #TIMEOUT}
	 * @return whether this call set it
	 */
	boolean setBit(int bit) {
		for (;;) {
			int current = this.state;
			if ((current & (FINISHED | bit)) != 0 || (bit == ABORTED && (current & RESPONDED) != 0)) {
				return false;
			}
			if (STATE.compareAndSet(this, current, current | bit)) {
				if (bit == ABORTED) {
					this.abortedAtNanos = System.nanoTime();
				}
				return true;
			}
		}
	}

	/**
	 * Mark the request finished; no bit can be set afterwards.
	 * @return whether this call finished it
	 */
	boolean markFinished() {
		for (;;) {
			int current = this.state;
			if ((current & FINISHED) != 0) {
				return false;
			}
			if (STATE.compareAndSet(this, current, current | FINISHED)) {
				Thread pacer = this.pacer;
				if (pacer != null) {
					LockSupport.unpark(pacer);
				}
				return true;
			}
		}
	}

	/**
	 * Stop the work if it should stop and was not stopped yet: first the stop actions
	 * (which answer a timed-out client), then interrupt the workers.
	 * @return whether a worker thread was interrupted
	 */
	boolean stopWork() {
		List<StopAction> actions;
		synchronized (this.lock) {
			// Also once the request has finished: its bit was set before the end (no bit is
			// set after it), and work it left running (a CompletableFuture, queued tasks)
			// must still stop when the container's own error handling ended it first.
			if (this.stopped || !shouldStop(this.state)) {
				return false;
			}
			this.stopped = true;
			actions = new ArrayList<>(this.stopActions);
			this.stopActions.clear();
		}
		int bits = bits();
		for (StopAction action : actions) {
			runStopAction(action, bits);
		}
		synchronized (this.lock) {
			// Under the lock: a worker that detached is never interrupted.
			for (Worker worker : this.workers) {
				worker.thread.interrupt();
			}
			return !this.workers.isEmpty();
		}
	}

	private void runStopAction(StopAction action, int bits) {
		try {
			action.stop(bits);
		}
		catch (Throwable ex) {
			logger.warn("Stopping the work of request " + this.id + " failed", ex);
		}
	}

	/**
	 * Run the close callbacks once, on the callback threads (see {@link UserCallbacks}),
	 * followed by the shutdown functions if the request ended meanwhile.
	 */
	void fireCloseCallbacks() {
		List<Consumer<? super ConnectionStatus>> callbacks;
		synchronized (this.lock) {
			if (this.closeCallbacksFired) {
				return;
			}
			this.closeCallbacksFired = true;
			callbacks = this.closeCallbacks;
			this.closeCallbacks = null;
			if (callbacks == null && !this.shutdownDue) {
				return; // nothing to run: shutdown functions, if any, run at the end
			}
			this.closeCallbacksRunning = true;
		}
		this.lifecycle.userCallbacks().execute(this, "Close callback", () -> runCloseCallbacks(callbacks));
	}

	private void runCloseCallbacks(@Nullable List<Consumer<? super ConnectionStatus>> callbacks) {
		try {
			if (callbacks != null) {
				for (Consumer<? super ConnectionStatus> callback : callbacks) {
					run(callback, "Close callback");
				}
			}
		}
		finally {
			boolean runShutdown;
			synchronized (this.lock) {
				this.closeCallbacksRunning = false;
				runShutdown = this.shutdownDue;
				this.shutdownDue = false;
			}
			if (runShutdown) {
				runShutdownFunctions();
			}
		}
	}

	/**
	 * Run the shutdown functions once, after the close callbacks: if the client went away
	 * and its callbacks have not run yet (or are running), they run right after them, on
	 * the callbacks' thread. Otherwise they run on the thread that ends the request (as
	 * PHP runs them in the request's process), unless that is one of the starter's
	 * stopping threads, which never run application code.
	 */
	void shutdown() {
		synchronized (this.lock) {
			if (this.closeCallbacksRunning || (isAborted() && !this.closeCallbacksFired)) {
				this.shutdownDue = true;
				return;
			}
			if (this.shutdownFunctions == null) {
				return;
			}
		}
		UserCallbacks callbacks = this.lifecycle.userCallbacks();
		if (RequestLifecycle.onStopperThread()) {
			callbacks.execute(this, "Shutdown function", this::runShutdownFunctions);
		}
		else {
			callbacks.runWatched(this, "Shutdown function", this::runShutdownFunctions);
		}
	}

	private void runShutdownFunctions() {
		for (;;) {
			List<Consumer<? super ConnectionStatus>> functions;
			synchronized (this.lock) {
				functions = this.shutdownFunctions;
				this.shutdownFunctions = null;
			}
			if (functions == null) {
				return;
			}
			// A shutdown function may register another one; PHP runs those too.
			for (Consumer<? super ConnectionStatus> function : functions) {
				run(function, "Shutdown function");
			}
		}
	}

	private void run(Consumer<? super ConnectionStatus> callback, String kind) {
		try {
			callback.accept(this.status);
		}
		catch (Throwable ex) {
			logger.error(kind + " of request " + this.id + " (" + this.info.method() + " " + this.info.uri()
					+ ") failed", ex);
		}
	}

	@Override
	public String toString() {
		return "ConnectionStatus[" + this.id + " " + this.info.method() + " " + this.info.uri() + " bits=" + bits()
				+ "]";
	}

	/**
	 * The public face of a request: delegates to its handle, which it keeps out of reach.
	 */
	private static final class Status implements ConnectionStatus {

		private final RequestHandle handle;

		Status(RequestHandle handle) {
			this.handle = handle;
		}

		@Override
		public int bits() {
			return this.handle.bits();
		}

		@Override
		public boolean isNormal() {
			return this.handle.bits() == NORMAL;
		}

		@Override
		public boolean isAborted() {
			return this.handle.isAborted();
		}

		@Override
		public boolean isTimedOut() {
			return this.handle.isTimedOut();
		}

		@Override
		public boolean ignoreUserAbort(boolean ignore) {
			return this.handle.ignoreUserAbort(ignore);
		}

		@Override
		public boolean isUserAbortIgnored() {
			return this.handle.isUserAbortIgnored();
		}

		@Override
		public void setTimeLimit(Duration limit) {
			this.handle.setTimeLimit(limit);
		}

		@Override
		public Duration getTimeLimit() {
			return this.handle.getTimeLimit();
		}

		@Override
		public void onClose(Consumer<? super ConnectionStatus> callback) {
			this.handle.onClose(callback);
		}

		@Override
		public void onShutdown(Consumer<? super ConnectionStatus> callback) {
			this.handle.onShutdown(callback);
		}

		@Override
		public void checkpoint() {
			this.handle.checkpoint();
		}

		@Override
		public String toString() {
			return this.handle.toString();
		}

	}

	private static final class Worker {

		final Thread thread;

		private long cpuStart;

		private long wallStart;

		Worker(Thread thread) {
			this.thread = thread;
		}

		void restart() {
			this.cpuStart = CpuTime.of(this.thread);
			this.wallStart = System.nanoTime();
		}

		/** CPU time used since {@link #restart()}; wall time where CPU time is unknown. */
		long used() {
			long cpu = (this.cpuStart < 0) ? -1 : CpuTime.of(this.thread);
			return (cpu < 0) ? System.nanoTime() - this.wallStart : Math.max(0, cpu - this.cpuStart);
		}

	}

}
