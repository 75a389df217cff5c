package io.github.connectionhandling.request;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs the application's close callbacks and shutdown functions apart from the threads
 * that mark, interrupt, cancel and answer requests, so that a callback that blocks delays
 * no other request. Each hand-off gets a thread of its own: a virtual thread where the
 * JDK has them (21+), otherwise a thread of an elastic pool that grows while its threads
 * are busy. A callback still running after {@code warnAfter} is logged once, with its
 * request and where it is stuck.
 */
final class UserCallbacks {

	private static final Log logger = LogFactory.getLog(UserCallbacks.class);

	/** Platform threads at most; beyond them hand-offs queue on one overflow thread. */
	static final int MAX_PLATFORM_THREADS = 256;

	// Looked up by name (the starter is built for Java 17); RequestRuntimeHints names them.
	static final String OF_VIRTUAL = "ofVirtual";

	static final String BUILDER = "java.lang.Thread$Builder";

	static final String NAME = "name";

	static final String FACTORY = "factory";

	private static final @Nullable ThreadFactory VIRTUAL = virtualThreads("connection-handling-callback-");

	private final @Nullable ThreadFactory virtual;

	private final @Nullable ThreadPoolExecutor platform;

	private final ThreadPoolExecutor overflow;

	private final ScheduledThreadPoolExecutor watchdog;

	private final long warnAfterNanos;

	private final AtomicBoolean overflowLogged = new AtomicBoolean();

	private volatile boolean shutdown;

	/**
	 * Create the executor.
	 * @param warnAfter how long a callback may run before it is logged
	 * @param preferVirtual whether to use virtual threads where the JDK has them
	 */
	UserCallbacks(Duration warnAfter, boolean preferVirtual) {
		this.warnAfterNanos = warnAfter.toNanos();
		this.virtual = preferVirtual ? VIRTUAL : null;
		ThreadFactory threads = new NamedDaemonThreads("connection-handling-callback-");
		if (this.virtual == null) {
			// No queue: a hand-off takes an idle thread or starts one, never waits for a
			// busy one. Two are kept for the usual single departure.
			ThreadPoolExecutor pool = new ThreadPoolExecutor(2, MAX_PLATFORM_THREADS, 60, TimeUnit.SECONDS,
					new SynchronousQueue<>(), threads);
			this.platform = pool;
		}
		else {
			this.platform = null;
		}
		ThreadPoolExecutor overflow = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), new NamedDaemonThreads("connection-handling-callback-overflow-"));
		overflow.allowCoreThreadTimeOut(true);
		this.overflow = overflow;
		this.watchdog = new ScheduledThreadPoolExecutor(1, new NamedDaemonThreads("connection-handling-callback-watchdog-"));
		this.watchdog.setRemoveOnCancelPolicy(true);
		this.watchdog.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
	}

	/**
	 * Return whether hand-offs run on virtual threads.
	 * @return whether virtual threads are used
	 */
	boolean usesVirtualThreads() {
		return this.virtual != null;
	}

	/**
	 * Run a request's callbacks on a thread of their own.
	 * @param handle the request
	 * @param kind what runs, for the log
	 * @param callbacks the callbacks
	 */
	void execute(RequestHandle handle, String kind, Runnable callbacks) {
		Runnable watched = () -> runWatched(handle, kind, callbacks);
		if (this.shutdown) {
			// The context is closing: run here rather than never.
			watched.run();
			return;
		}
		ThreadFactory virtual = this.virtual;
		if (virtual != null) {
			virtual.newThread(watched).start();
			return;
		}
		ThreadPoolExecutor platform = this.platform;
		try {
			if (platform != null && !platform.isShutdown()) {
				platform.execute(watched);
				return;
			}
		}
		catch (RejectedExecutionException ex) {
			if (this.overflowLogged.compareAndSet(false, true)) {
				logger.warn("All " + MAX_PLATFORM_THREADS + " callback threads are busy: close callbacks and shutdown"
						+ " functions now wait for one another");
			}
		}
		try {
			this.overflow.execute(watched);
		}
		catch (RejectedExecutionException ex) {
			// Shut down (the context is closing): run here rather than never.
			watched.run();
		}
	}

	/**
	 * Run a request's callbacks on this thread, watched for overstaying.
	 * @param handle the request
	 * @param kind what runs, for the log
	 * @param callbacks the callbacks
	 */
	void runWatched(RequestHandle handle, String kind, Runnable callbacks) {
		Thread thread = Thread.currentThread();
		ScheduledFuture<?> warning = null;
		try {
			warning = this.watchdog.schedule(() -> warn(handle, kind, thread), this.warnAfterNanos,
					TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// shut down: nobody is left to warn
		}
		try {
			callbacks.run();
		}
		finally {
			if (warning != null) {
				warning.cancel(false);
			}
		}
	}

	private void warn(RequestHandle handle, String kind, Thread thread) {
		if (logger.isWarnEnabled()) {
			RequestInfo info = handle.getInfo();
			IllegalStateException where = new IllegalStateException("Stack of " + thread.getName());
			where.setStackTrace(thread.getStackTrace());
			logger.warn(kind + " of request " + handle.getId() + " (" + info.method() + " " + info.uri()
					+ ") still running after " + Duration.ofNanos(this.warnAfterNanos) + " on thread "
					+ thread.getName(), where);
		}
	}

	void shutdown() {
		this.shutdown = true;
		if (this.platform != null) {
			this.platform.shutdown();
		}
		this.overflow.shutdown();
		this.watchdog.shutdownNow();
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
