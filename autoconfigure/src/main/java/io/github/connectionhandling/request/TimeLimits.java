package io.github.connectionhandling.request;

import java.time.Duration;

/**
 * The range of time limits: from {@link Duration#ZERO} (none) to {@link #MAX}. Every limit
 * is checked against it where it enters (properties, {@code @TimeLimit},
 * {@code setTimeLimit}), so that deadline arithmetic in nanoseconds cannot overflow.
 */
public final class TimeLimits {

	/** The longest time limit; longer work should run with none ({@code 0}). */
	public static final Duration MAX = Duration.ofDays(365);

	/** The accepted range, as error messages state it. */
	public static final String RANGE = "from 0 (none) to 365d";

	private TimeLimits() {
	}

	/**
	 * Return whether a limit is in range.
	 * @param limit the limit
	 * @return whether it is from zero to {@link #MAX}
	 */
	public static boolean isValid(Duration limit) {
		return !limit.isNegative() && limit.compareTo(MAX) <= 0;
	}

	/**
	 * Check a limit.
	 * @param limit the limit
	 * @return the limit
	 * @throws IllegalArgumentException if it is out of range
	 */
	public static Duration requireValid(Duration limit) {
		if (!isValid(limit)) {
			throw new IllegalArgumentException("Time limit " + limit + " is out of range: it must be " + RANGE);
		}
		return limit;
	}

	/**
	 * Return the deadline of a limit counted from an instant, without overflow.
	 * @param fromNanos the {@link System#nanoTime()} the limit counts from
	 * @param limit a valid limit
	 * @return the deadline's nano time, saturated at {@link Long#MAX_VALUE}
	 */
	public static long deadline(long fromNanos, Duration limit) {
		long nanos = limit.toNanos();
		long deadline = fromNanos + nanos;
		// Overflows only if both are positive and the sum wrapped.
		return (fromNanos > 0 && deadline < 0) ? Long.MAX_VALUE : deadline;
	}

}
