package io.github.connectionhandling.autoconfigure;

import java.time.Duration;

import io.github.connectionhandling.request.TimeLimits;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of connection handling ({@code connection-handling.*}).
 */
@ConfigurationProperties("connection-handling")
public class ConnectionHandlingProperties implements InitializingBean {

	/**
	 * Whether connection handling is active. When off, nothing is detected, limited or
	 * exposed, but a ConnectionStatus is still available to controllers (always NORMAL)
	 * and its shutdown functions still run.
	 */
	private boolean enabled = true;

	/**
	 * Whether requests keep running after their client goes away (PHP's
	 * ignore_user_abort). Per endpoint: @IgnoreUserAbort.
	 */
	private boolean ignoreUserAbort;

	/**
	 * Default execution time limit of a request (PHP's max_execution_time); 0 for none.
	 * Per endpoint: @TimeLimit; per request: ConnectionStatus.setTimeLimit.
	 */
	private Duration maxExecutionTime = Duration.ofSeconds(30);

	/**
	 * What time limits count: 'wall' for elapsed time, 'cpu' for the CPU time of the
	 * threads doing the request's work (sleeping and waiting on I/O do not count).
	 */
	private TimeLimitClock timeLimitClock = TimeLimitClock.WALL;

	/**
	 * HTTP status sent, with an RFC 9457 problem body, when a time limit runs out before
	 * the response was committed.
	 */
	private int timeoutStatus = 503;

	private final AbortDetection abortDetection = new AbortDetection();

	private final Orphans orphans = new Orphans();

	private final Cancel cancel = new Cancel();

	private final Callbacks callbacks = new Callbacks();

	private final SlowRequest slowRequest = new SlowRequest();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isIgnoreUserAbort() {
		return this.ignoreUserAbort;
	}

	public void setIgnoreUserAbort(boolean ignoreUserAbort) {
		this.ignoreUserAbort = ignoreUserAbort;
	}

	public Duration getMaxExecutionTime() {
		return this.maxExecutionTime;
	}

	public void setMaxExecutionTime(Duration maxExecutionTime) {
		this.maxExecutionTime = maxExecutionTime;
	}

	public TimeLimitClock getTimeLimitClock() {
		return this.timeLimitClock;
	}

	public void setTimeLimitClock(TimeLimitClock timeLimitClock) {
		this.timeLimitClock = timeLimitClock;
	}

	public int getTimeoutStatus() {
		return this.timeoutStatus;
	}

	public void setTimeoutStatus(int timeoutStatus) {
		this.timeoutStatus = timeoutStatus;
	}

	public AbortDetection getAbortDetection() {
		return this.abortDetection;
	}

	public Orphans getOrphans() {
		return this.orphans;
	}

	public Cancel getCancel() {
		return this.cancel;
	}

	public Callbacks getCallbacks() {
		return this.callbacks;
	}

	public SlowRequest getSlowRequest() {
		return this.slowRequest;
	}

	@Override
	public void afterPropertiesSet() {
		requireInRange("max-execution-time", this.maxExecutionTime, Duration.ZERO, TimeLimits.MAX,
				ACCEPTED_TIME_LIMIT);
		if (this.timeoutStatus < 100 || this.timeoutStatus > 599) {
			throw new InvalidPropertyException("timeout-status", this.timeoutStatus, ACCEPTED_STATUS);
		}
		requireInRange("abort-detection.arm-delay", this.abortDetection.armDelay, Duration.ZERO, ONE_HOUR,
				ACCEPTED_ARM_DELAY);
		requireInRange("abort-detection.poll-interval", this.abortDetection.pollInterval, ONE_NANO, ONE_HOUR,
				ACCEPTED_POLL_INTERVAL);
		requireInRange("orphans.interval", this.orphans.interval, ONE_NANO, ONE_DAY, ACCEPTED_INTERVAL);
		requireInRange("callbacks.warn-after", this.callbacks.warnAfter, ONE_NANO, ONE_DAY, ACCEPTED_INTERVAL);
		requireInRange("slow-request.threshold", this.slowRequest.threshold, Duration.ZERO, ONE_DAY,
				ACCEPTED_SLOW_REQUEST);
	}

	static final String ACCEPTED_STATUS = "an HTTP status code from 100 to 599, e.g. 503";

	static final String ACCEPTED_TIME_LIMIT = "a duration " + TimeLimits.RANGE + ", such as 30s, 500ms or PT1M";

	static final String ACCEPTED_ARM_DELAY = "a duration from 0 to 1h, such as 5ms or 100ms";

	static final String ACCEPTED_POLL_INTERVAL = "a duration greater than 0 and at most 1h, such as 100ms or 5s";

	static final String ACCEPTED_INTERVAL = "a duration greater than 0 and at most 1d, such as 5s or 1m";

	static final String ACCEPTED_SLOW_REQUEST = "a duration from 0 (off) to 1d, such as 10s or 1m";

	private static final Duration ONE_NANO = Duration.ofNanos(1);

	private static final Duration ONE_HOUR = Duration.ofHours(1);

	private static final Duration ONE_DAY = Duration.ofDays(1);

	private static void requireInRange(String property, Duration value, Duration min, Duration max, String accepted) {
		if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
			throw new InvalidPropertyException(property, value, accepted);
		}
	}

	/**
	 * What time limits count.
	 */
	public enum TimeLimitClock {

		/** Elapsed time. */
		WALL,

		/** CPU time of the request's threads. */
		CPU

	}

	/**
	 * How disconnects are detected.
	 */
	public static class AbortDetection {

		/**
		 * Whether client disconnects are detected while requests are in flight.
		 */
		private boolean enabled = true;

		/**
		 * How long a request runs before its connection is watched. Requests shorter than
		 * this never touch the detector's selector; a client that leaves earlier is
		 * noticed once the request is watched. Due requests are armed in batches at most
		 * once per delay (at least 1 ms apart), so watching starts between one and two
		 * delays in. Under a load of short requests, while no due request is still
		 * running, the delay and the batches' interval double, up to sixteen-fold, so
		 * watching then starts up to 32 delays in; both return to one delay when a
		 * request is still running when due or the load stops.
		 */
		private Duration armDelay = Duration.ofMillis(5);

		/**
		 * How often connections that cannot be watched by events (request body not yet
		 * read, pipelined bytes waiting) are checked through the kernel's TCP state.
		 */
		private Duration pollInterval = Duration.ofMillis(100);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getArmDelay() {
			return this.armDelay;
		}

		public void setArmDelay(Duration armDelay) {
			this.armDelay = armDelay;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

	}

	/**
	 * How orphaned connections (client gone, server still holding them, no request in
	 * flight) are found and closed.
	 */
	public static class Orphans {

		/**
		 * Whether orphaned connections are closed when found.
		 */
		private boolean reap = true;

		/**
		 * How often the server's connections are checked for orphans.
		 */
		private Duration interval = Duration.ofSeconds(5);

		public boolean isReap() {
			return this.reap;
		}

		public void setReap(boolean reap) {
			this.reap = reap;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * Where a stopped request's work is stopped besides interrupting its threads: when a
	 * request is aborted (and does not ignore aborts) or times out.
	 */
	public static class Cancel {

		/**
		 * Whether DataSource beans are wrapped so that the JDBC statements a request is
		 * executing are cancelled (Statement.cancel()) when it is stopped.
		 */
		private boolean jdbc = true;

		/**
		 * Whether outgoing calls made through the auto-configured RestClient.Builder,
		 * RestTemplateBuilder and WebClient.Builder are aborted when the request they are
		 * made for is stopped.
		 */
		private boolean http = true;

		/**
		 * Whether tasks a request submits to the auto-configured task executor (@Async
		 * included) carry its ConnectionStatus, are interrupted when it is stopped, and
		 * are cancelled if they have not started by then.
		 */
		private boolean async = true;

		public boolean isJdbc() {
			return this.jdbc;
		}

		public void setJdbc(boolean jdbc) {
			this.jdbc = jdbc;
		}

		public boolean isHttp() {
			return this.http;
		}

		public void setHttp(boolean http) {
			this.http = http;
		}

		public boolean isAsync() {
			return this.async;
		}

		public void setAsync(boolean async) {
			this.async = async;
		}

	}

	/**
	 * How the application's close callbacks and shutdown functions are run: apart from
	 * the starter's own threads, on a thread of their own each (a virtual thread on Java
	 * 21 and later).
	 */
	public static class Callbacks {

		/**
		 * How long a close callback or shutdown function may run before it is logged (once,
		 * with its request and its thread's stack). It is not stopped.
		 */
		private Duration warnAfter = Duration.ofSeconds(5);

		public Duration getWarnAfter() {
			return this.warnAfter;
		}

		public void setWarnAfter(Duration warnAfter) {
			this.warnAfter = warnAfter;
		}

	}

	/**
	 * The slow-request log (PHP-FPM's request_slowlog_timeout).
	 */
	public static class SlowRequest {

		/**
		 * How long a request runs before it is logged, once, at WARN with its id, URI,
		 * elapsed time and the stacks of its threads (shown also by
		 * /actuator/connections/{id} where show-values allows); 0 for no log. Checked
		 * every half threshold.
		 */
		private Duration threshold = Duration.ZERO;

		public Duration getThreshold() {
			return this.threshold;
		}

		public void setThreshold(Duration threshold) {
			this.threshold = threshold;
		}

	}

}
