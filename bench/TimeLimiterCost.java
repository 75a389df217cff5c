import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.timelimit.TimeLimiter;

/**
 * The cost of a request's time limit in the starter's own code, without HTTP: one
 * request's start, binding of its thread, unbinding and finish, with no time limiter, with
 * the wall-clock limiter and with the CPU-clock limiter, and with many other requests'
 * timers armed at the same time (the scheduler's queue is a heap: O(log n)).
 * Run with the JDK's single-file launcher and the module's class path (see
 * time-limits.sh). Prints: variant, timers armed by other requests, ns per request
 * (median, min and max of the rounds).
 */
public class TimeLimiterCost {

	private static final RequestInfo INFO = new RequestInfo("GET", "/bench", null, "127.0.0.1:1", "HTTP/1.1");

	private static final String[] VARIANTS = { "no limiter", "wall 30s", "cpu 30s" };

	public static void main(String[] args) {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 9;
		int perRound = (args.length > 1) ? Integer.parseInt(args[1]) : 200_000;
		for (int others : new int[] { 0, 10_000 }) {
			RequestLifecycle[] lifecycles = new RequestLifecycle[VARIANTS.length];
			TimeLimiter[] limiters = new TimeLimiter[VARIANTS.length];
			List<List<RequestHandle>> background = new ArrayList<>();
			for (int v = 0; v < VARIANTS.length; v++) {
				boolean cpu = VARIANTS[v].startsWith("cpu");
				limiters[v] = VARIANTS[v].startsWith("no") ? null : new TimeLimiter(cpu);
				List<LifecycleParticipant> participants = (limiters[v] != null) ? List.of(limiters[v]) : List.of();
				lifecycles[v] = new RequestLifecycle(new InFlightRequests(), participants,
						new RequestLifecycle.Settings(Duration.ofSeconds(30), false, cpu));
				List<RequestHandle> armed = new ArrayList<>();
				RequestLifecycle lifecycle = lifecycles[v];
				// Started on a thread of their own: on this one, the first would hold its
				// slot, and the measured requests would all be queued.
				Thread starter = new Thread(() -> {
					for (int i = 0; i < others; i++) {
						armed.add(lifecycle.start(INFO, null, false));
					}
				});
				starter.start();
				joinUninterruptibly(starter);
				background.add(armed);
			}
			for (int warmUp = 0; warmUp < 3; warmUp++) {
				for (RequestLifecycle lifecycle : lifecycles) {
					run(lifecycle, perRound);
				}
			}
			// Alternate the variants round by round, so drift and noise hit them alike.
			double[][] results = new double[VARIANTS.length][rounds];
			for (int r = 0; r < rounds; r++) {
				for (int i = 0; i < VARIANTS.length; i++) {
					int v = (r + i) % VARIANTS.length;
					long start = System.nanoTime();
					run(lifecycles[v], perRound);
					results[v][r] = (System.nanoTime() - start) / (double) perRound;
				}
			}
			for (int v = 0; v < VARIANTS.length; v++) {
				background.get(v).forEach(lifecycles[v]::finish);
				if (limiters[v] != null && limiters[v].armedCount() != 0) {
					throw new IllegalStateException("timers left behind: " + limiters[v].armedCount());
				}
				lifecycles[v].destroy();
				if (limiters[v] != null) {
					limiters[v].destroy();
				}
				Arrays.sort(results[v]);
				System.out.printf("%s %d %.0f %.0f %.0f%n", VARIANTS[v].replace(' ', '_'), others,
						results[v][rounds / 2], results[v][0], results[v][rounds - 1]);
			}
		}
		System.exit(0);
	}

	private static void joinUninterruptibly(Thread thread) {
		try {
			thread.join();
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void run(RequestLifecycle lifecycle, int count) {
		for (int i = 0; i < count; i++) {
			RequestHandle handle = lifecycle.start(INFO, null, false);
			try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
				if (handle.bits() != 0) {
					throw new IllegalStateException();
				}
			}
			lifecycle.finish(handle);
		}
	}

}
