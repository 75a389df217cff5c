package io.github.connectionhandling.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;

import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Requests that wait until their client leaves, recording when the abort was detected and
 * when the close callback ran ({@link System#nanoTime()}, CLOCK_MONOTONIC on Linux, so the
 * benchmark client can compare them with its own close times).
 */
@RestController
class BenchController {

	private final Map<String, long[]> closed = new ConcurrentHashMap<>();

	private final InFlightRequests requests;

	BenchController(InFlightRequests requests) {
		this.requests = requests;
	}

	private void record(ConnectionStatus status, String id) {
		RequestHandle handle = CurrentRequest.handle();
		status.onClose((s) -> {
			long callback = System.nanoTime();
			long detected = (handle != null) ? handle.getAbortedAtNanos() : 0;
			this.closed.put(id, new long[] { detected, callback });
		});
	}

	@GetMapping("/bench/block")
	String block(ConnectionStatus status, @RequestParam String id) {
		record(status, id);
		try {
			Thread.sleep(120_000);
			return "slept";
		}
		catch (InterruptedException ex) {
			return "interrupted";
		}
	}

	@GetMapping("/bench/deferred")
	DeferredResult<String> deferred(ConnectionStatus status, @RequestParam String id) {
		record(status, id);
		return new DeferredResult<>(600_000L);
	}

	/** Requests in flight, not counting this one. */
	@GetMapping("/bench/inflight")
	String inflight() {
		return Integer.toString(this.requests.size() - 1);
	}

	/** One line per closed request: id, detection nanos, callback nanos. */
	@GetMapping("/bench/closed")
	String closed() {
		StringBuilder out = new StringBuilder();
		this.closed.forEach((id, nanos) -> out.append(id).append(' ').append(nanos[0]).append(' ').append(nanos[1])
			.append('\n'));
		return out.toString();
	}

	@DeleteMapping("/bench/closed")
	void clear() {
		this.closed.clear();
	}

}
