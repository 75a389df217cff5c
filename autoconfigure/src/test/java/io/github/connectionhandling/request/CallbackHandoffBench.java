package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What handing user callbacks off costs (run by {@code bench/callback-handoff.sh}, not a
 * test): a burst of departures queues each request's close callbacks for the callback
 * threads, virtual (Java 21+) or platform. Prints, per kind and burst size: the submitting
 * thread's time per hand-off and the time until the burst's last callback ran (median of
 * the rounds).
 */
public final class CallbackHandoffBench {

	private static final RequestInfo INFO = new RequestInfo("GET", "/bench", null, "127.0.0.1:1", "HTTP/1.1");

	private CallbackHandoffBench() {
	}

	public static void main(String[] args) throws Exception {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 15;
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), java.util.List.of(),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		RequestHandle handle = lifecycle.start(INFO, null, false);
		System.out.printf("%-10s %-9s %6s %14s %16s%n", "java", "threads", "burst", "submit ns/each", "all run (ms)");
		for (boolean virtual : new boolean[] { false, true }) {
			UserCallbacks callbacks = new UserCallbacks(Duration.ofSeconds(5), virtual);
			if (virtual && !callbacks.usesVirtualThreads()) {
				callbacks.shutdown();
				continue;
			}
			for (int burst : new int[] { 1, 200, 2000 }) {
				double[] submit = new double[rounds];
				double[] all = new double[rounds];
				for (int r = 0; r < rounds + 3; r++) {
					CountDownLatch done = new CountDownLatch(burst);
					long start = System.nanoTime();
					for (int i = 0; i < burst; i++) {
						callbacks.execute(handle, "Close callback", done::countDown);
					}
					long submitted = System.nanoTime();
					if (!done.await(30, TimeUnit.SECONDS)) {
						throw new IllegalStateException("callbacks did not run");
					}
					long end = System.nanoTime();
					if (r >= 3) { // the first rounds warm up
						submit[r - 3] = (submitted - start) / (double) burst;
						all[r - 3] = (end - start) / 1e6;
					}
					Thread.sleep(50);
				}
				System.out.printf("%-10s %-9s %6d %14.0f %16.2f%n", Runtime.version().feature(),
						virtual ? "virtual" : "platform", burst, median(submit), median(all));
			}
			callbacks.shutdown();
		}
		lifecycle.finish(handle);
		lifecycle.destroy();
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

}
