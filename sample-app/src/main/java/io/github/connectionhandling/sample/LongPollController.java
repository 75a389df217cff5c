package io.github.connectionhandling.sample;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Endpoints of the scale benchmark ({@code bench/scale}), on only with
 * {@code sample.bench.enabled=true}: long polls that never complete on their own, and
 * figures that the actuator's list of 10,000 requests would be too heavy to poll for.
 */
@RestController
@ConditionalOnBooleanProperty("sample.bench.enabled")
class LongPollController {

	private final InFlightRequests requests;

	/** When each long poll's close callback ran, in epoch microseconds. */
	private final ConcurrentLinkedQueue<Long> closes = new ConcurrentLinkedQueue<>();

	LongPollController(InFlightRequests requests) {
		this.requests = requests;
	}

	/** A long poll: tracked until its client leaves. */
	@GetMapping("/bench/longpoll")
	DeferredResult<String> longPoll(ConnectionStatus status) {
		status.onClose((s) -> this.closes.add(epochMicros()));
		return new DeferredResult<>(0L);
	}

	/** Requests in flight and the totals, cheaply. */
	@GetMapping("/bench/stats")
	Map<String, Object> stats() {
		InFlightRequests.Totals totals = this.requests.totals();
		return Map.of("active", this.requests.size(), "aborted", totals.aborted(), "completed", totals.completed(),
				"pid", ProcessHandle.current().pid());
	}

	/** Heap used after a full GC, in bytes. */
	@PostMapping("/bench/gc")
	Map<String, Object> gc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(200);
		}
		return Map.of("heapUsed", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
	}

	/** Close callbacks since the given instant (epoch µs): count and latency percentiles. */
	@GetMapping("/bench/closes")
	Map<String, Object> closes(@RequestParam long since) {
		long[] latencies = this.closes.stream().mapToLong((at) -> at - since).filter((d) -> d >= 0).sorted().toArray();
		return Map.of("count", latencies.length, "p50Micros", percentile(latencies, 50), "p99Micros",
				percentile(latencies, 99), "maxMicros", (latencies.length > 0) ? latencies[latencies.length - 1] : -1);
	}

	@PostMapping("/bench/reset")
	String reset() {
		this.closes.clear();
		return "reset";
	}

	private static long percentile(long[] sorted, int p) {
		if (sorted.length == 0) {
			return -1;
		}
		int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	private static long epochMicros() {
		Instant now = Instant.now();
		return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
	}

}
