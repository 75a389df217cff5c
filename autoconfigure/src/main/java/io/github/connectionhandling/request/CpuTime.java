package io.github.connectionhandling.request;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU time of threads, for the CPU clock of time limits.
 */
public final class CpuTime {

	private static final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private CpuTime() {
	}

	/**
	 * Return whether this JVM measures the CPU time of other threads, enabling it if it
	 * can.
	 * @return whether thread CPU time can be measured
	 */
	public static boolean isAvailable() {
		if (!threads.isThreadCpuTimeSupported()) {
			return false;
		}
		if (!threads.isThreadCpuTimeEnabled()) {
			threads.setThreadCpuTimeEnabled(true);
		}
		return true;
	}

	/**
	 * Return a thread's CPU time.
	 * @param thread the thread
	 * @return its CPU time in nanoseconds, -1 if it cannot be measured (a virtual thread)
	 */
	@SuppressWarnings("deprecation") // Thread.threadId() needs Java 19
	static long of(Thread thread) {
		long nanos = (thread == Thread.currentThread()) ? threads.getCurrentThreadCpuTime()
				: threads.getThreadCpuTime(thread.getId());
		return nanos;
	}

}
