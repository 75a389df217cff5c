package io.github.connectionhandling.it;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.TimeLimit;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints whose close callbacks and shutdown functions block until the test releases
 * them, and an unrelated endpoint with a short time limit.
 */
@RestController
public class BlockingCallbackController {

	private final Events events;

	private volatile CountDownLatch release = new CountDownLatch(1);

	public BlockingCallbackController(Events events) {
		this.events = events;
	}

	/** Let every blocked callback return, and block the next ones again. */
	public void releaseAll() {
		CountDownLatch current = this.release;
		this.release = new CountDownLatch(1);
		current.countDown();
	}

	@GetMapping("/blocking-callbacks")
	String blockingCallbacks(ConnectionStatus status, @RequestParam String tag) throws InterruptedException {
		CountDownLatch latch = this.release;
		status.onClose((s) -> {
			this.events.add(tag, "close-blocking");
			await(latch);
		});
		status.onShutdown((s) -> {
			this.events.add(tag, "shutdown-blocking");
			await(latch);
		});
		this.events.add(tag, "started");
		try {
			Thread.sleep(30_000);
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
		}
		return "done";
	}

	@TimeLimit("1s")
	@GetMapping("/limited-1s")
	String limited(@RequestParam String tag) {
		this.events.add(tag, "started");
		try {
			Thread.sleep(30_000);
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
		}
		return "late";
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
