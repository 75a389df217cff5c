package io.github.connectionhandling.observation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;

/**
 * Logs, once, every request still running after a threshold, with its id, URI, elapsed
 * time and the stacks of the threads working for it (PHP-FPM's
 * {@code request_slowlog_timeout}, Tomcat's {@code StuckThreadDetectionValve}). One
 * thread scans the requests in flight every half threshold, so a request is logged
 * between one and one and a half thresholds in; requests shorter than the threshold cost
 * nothing. The stacks stay available, for the {@code connections} endpoint, until the
 * request ends.
 */
public final class SlowRequestLog implements InitializingBean, DisposableBean {

	private static final Log defaultLogger = LogFactory.getLog(SlowRequestLog.class);

	/** The shortest interval between scans, whatever the threshold. */
	private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private final InFlightRequests requests;

	private final Duration threshold;

	private final long thresholdNanos;

	private final LongSupplier nanoClock;

	private final Log logger;

	private final Map<RequestHandle, SlowRequest> slow = new ConcurrentHashMap<>();

	private @Nullable ScheduledThreadPoolExecutor scanner;

	/**
	 * Create the log.
	 * @param requests the requests in flight
	 * @param threshold how long a request runs before it is logged; more than 0
	 */
	public SlowRequestLog(InFlightRequests requests, Duration threshold) {
		this(requests, threshold, System::nanoTime, defaultLogger);
	}

	/**
	 * Create the log with a clock and a logger of its own, for tests.
	 * @param requests the requests in flight
	 * @param threshold how long a request runs before it is logged; more than 0
	 * @param nanoClock the clock requests' start times are compared with, as
	 * {@link System#nanoTime()}
	 * @param logger where slow requests are logged
	 */
	SlowRequestLog(InFlightRequests requests, Duration threshold, LongSupplier nanoClock, Log logger) {
		if (threshold.isNegative() || threshold.isZero()) {
			throw new IllegalArgumentException("Threshold must be positive: " + threshold);
		}
		this.requests = requests;
		this.threshold = threshold;
		this.thresholdNanos = threshold.toNanos();
		this.nanoClock = nanoClock;
		this.logger = logger;
	}

	public Duration getThreshold() {
		return this.threshold;
	}

	@Override
	public void afterPropertiesSet() {
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, "connection-handling-slow-requests");
			thread.setDaemon(true);
			return thread;
		});
		executor.setRemoveOnCancelPolicy(true);
		long period = Math.max(MIN_PERIOD_NANOS, this.thresholdNanos / 2);
		executor.scheduleWithFixedDelay(this::scanSafely, period, period, TimeUnit.NANOSECONDS);
		this.scanner = executor;
	}

	@Override
	public void destroy() {
		ScheduledThreadPoolExecutor executor = this.scanner;
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	private void scanSafely() {
		try {
			scan();
		}
		catch (RuntimeException ex) {
			// A failed scan must not end the scans to come.
			this.logger.error("Scanning for slow requests failed", ex);
		}
	}

	/**
	 * Log the requests that have run past the threshold since the last scan, and forget
	 * those that ended.
	 * @return the requests logged by this scan
	 */
	List<RequestHandle> scan() {
		this.slow.keySet().removeIf(RequestHandle::isFinished);
		long now = this.nanoClock.getAsLong();
		List<RequestHandle> due = null;
		for (RequestHandle handle : this.requests.all()) {
			if (now - handle.getStartNanos() >= this.thresholdNanos && !this.slow.containsKey(handle)
					&& !handle.isFinished()) {
				if (due == null) {
					due = new ArrayList<>();
				}
				due.add(handle);
			}
		}
		if (due == null) {
			return List.of();
		}
		Map<String, Thread> threads = liveThreadsByName();
		for (RequestHandle handle : due) {
			Duration elapsed = Duration.ofNanos(now - handle.getStartNanos());
			Map<String, List<String>> stacks = new LinkedHashMap<>();
			for (String name : handle.getWorkerNames()) {
				Thread thread = threads.get(name);
				if (thread != null) {
					stacks.put(name, frames(thread.getStackTrace()));
				}
			}
			SlowRequest record = new SlowRequest(elapsed, Collections.unmodifiableMap(stacks));
			if (this.slow.putIfAbsent(handle, record) == null && this.logger.isWarnEnabled()) {
				this.logger.warn(describe(handle, record));
			}
		}
		return due;
	}

	/**
	 * Return what was logged about a request, if it is a slow one.
	 * @param handle the request
	 * @return the record, or {@code null} if the request has not been logged
	 */
	public @Nullable SlowRequest get(RequestHandle handle) {
		return this.slow.get(handle);
	}

	private String describe(RequestHandle handle, SlowRequest record) {
		RequestInfo info = handle.getInfo();
		// No query string: it may carry what show-values hides.
		StringBuilder message = new StringBuilder("Slow request ").append(handle.getId())
			.append(" (")
			.append(info.method())
			.append(' ')
			.append(info.uri())
			.append(") still running after ")
			.append(record.elapsed())
			.append(" (threshold ")
			.append(this.threshold)
			.append(')');
		if (record.stacks().isEmpty()) {
			message.append("; no thread is working for it now (its work waits for an async result)");
		}
		record.stacks().forEach((name, frames) -> {
			message.append("\n\"").append(name).append('"');
			for (String frame : frames) {
				message.append("\n\tat ").append(frame);
			}
		});
		return message.toString();
	}

	private static List<String> frames(StackTraceElement[] trace) {
		List<String> frames = new ArrayList<>(trace.length);
		for (StackTraceElement element : trace) {
			frames.add(element.toString());
		}
		return Collections.unmodifiableList(frames);
	}

	/**
	 * The live platform threads by name (the request knows its workers by name); virtual
	 * threads are not enumerated, and so not shown.
	 */
	private static Map<String, Thread> liveThreadsByName() {
		ThreadGroup root = Thread.currentThread().getThreadGroup();
		while (root.getParent() != null) {
			root = root.getParent();
		}
		Thread[] threads = new Thread[root.activeCount() + 16];
		int count;
		while ((count = root.enumerate(threads, true)) == threads.length) {
			threads = new Thread[threads.length * 2];
		}
		Map<String, Thread> byName = new ConcurrentHashMap<>();
		for (int i = 0; i < count; i++) {
			byName.putIfAbsent(threads[i].getName(), threads[i]);
		}
		return byName;
	}

	/**
	 * What the log recorded about a slow request.
	 *
	 * @param elapsed how long it had run when it was logged
	 * @param stacks the stack of each thread working for it then, by thread name
	 */
	public record SlowRequest(Duration elapsed, Map<String, List<String>> stacks) {

	}

}
