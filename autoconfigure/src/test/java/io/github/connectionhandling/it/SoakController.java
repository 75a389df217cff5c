package io.github.connectionhandling.it;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Endpoints of the soak and race tests: blocking, {@code DeferredResult} and
 * {@code Callable} handlers that sleep, optionally under a per-request time limit
 * ({@code limit} ms), plus handlers that ignore user aborts. Each checks that the thread
 * it runs on has no interrupt it did not earn, at its start and at its end.
 */
@RestController
@RequestMapping("/soak")
public class SoakController {

	private static final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, (runnable) -> {
		Thread thread = new Thread(runnable, "soak-scheduler");
		thread.setDaemon(true);
		return thread;
	});

	private final SoakLedger ledger;

	public SoakController(SoakLedger ledger) {
		this.ledger = ledger;
	}

	@GetMapping("/blocking")
	String blocking(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "0") long ms,
			@RequestParam(defaultValue = "0") long limit) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		checkInterrupt(status, entry);
		if (limit > 0) {
			status.setTimeLimit(Duration.ofMillis(limit));
		}
		sleep(status, entry, ms);
		checkInterrupt(status, entry);
		return "ok " + status.bits();
	}

	@GetMapping("/deferred")
	DeferredResult<String> deferred(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "0") long ms, @RequestParam(defaultValue = "0") long limit) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		checkInterrupt(status, entry);
		if (limit > 0) {
			status.setTimeLimit(Duration.ofMillis(limit));
		}
		DeferredResult<String> result = new DeferredResult<>();
		if (ms > 0) {
			scheduler.schedule(() -> result.setResult("ok deferred"), ms, TimeUnit.MILLISECONDS);
		}
		checkInterrupt(status, entry);
		return result;
	}

	@GetMapping("/callable")
	Callable<String> callable(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "0") long ms, @RequestParam(defaultValue = "0") long limit) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		checkInterrupt(status, entry);
		if (limit > 0) {
			status.setTimeLimit(Duration.ofMillis(limit));
		}
		return () -> {
			checkInterrupt(status, entry);
			sleep(status, entry, ms);
			checkInterrupt(status, entry);
			return "ok callable";
		};
	}

	/**
	 * Ignores user aborts: waits until the abort is seen, works on, and must run to its
	 * end uninterrupted.
	 */
	@IgnoreUserAbort
	@GetMapping("/ignoring")
	String ignoring(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "5") long ms) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		checkInterrupt(status, entry);
		awaitAbort(status, entry);
		sleep(status, entry, ms);
		checkInterrupt(status, entry);
		entry.note = "ran-to-end aborted=" + status.isAborted();
		return "ok " + status.bits();
	}

	/**
	 * Ignores user aborts, and once the abort is seen sets a short time limit and outlives
	 * it: ends with both bits set.
	 */
	@IgnoreUserAbort
	@GetMapping("/both")
	String both(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "50") long limit) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		checkInterrupt(status, entry);
		awaitAbort(status, entry);
		status.setTimeLimit(Duration.ofMillis(limit));
		sleep(status, entry, 20_000);
		return "ok " + status.bits();
	}

	/**
	 * Ignores user aborts; once the abort is seen registers a close callback, which must
	 * run at once (before {@code onClose} returns), exactly once.
	 */
	@IgnoreUserAbort
	@GetMapping("/late-close")
	String lateClose(ConnectionStatus status, @RequestParam String tag) {
		SoakLedger.Entry entry = this.ledger.track(status, tag);
		awaitAbort(status, entry);
		// The bit is set before the callback pool fires the callbacks: wait until the one
		// the ledger registered has run, so that this one comes after the abort was handled.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (entry.closes.get() == 0 && System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
		Thread registering = Thread.currentThread();
		boolean[] ranAtOnce = { false };
		status.onClose((s) -> {
			ranAtOnce[0] = Thread.currentThread() == registering;
			entry.lateCloses.incrementAndGet();
		});
		entry.note = "late close ran at once: " + ranAtOnce[0];
		return "ok " + status.bits();
	}

	private static void awaitAbort(ConnectionStatus status, SoakLedger.Entry entry) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!status.isAborted() && System.nanoTime() < deadline) {
			try {
				Thread.sleep(2);
			}
			catch (InterruptedException ex) {
				entry.unearnedInterrupts.incrementAndGet();
				entry.note = "interrupted while waiting for the abort";
				return;
			}
		}
		if (!status.isAborted()) {
			entry.note = "abort never seen";
		}
	}

	private static void sleep(ConnectionStatus status, SoakLedger.Entry entry, long ms) {
		if (ms <= 0) {
			return;
		}
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			// Earned only if the request was stopped: timed out, or aborted and not ignoring.
			if (!(status.isTimedOut() || (status.isAborted() && !status.isUserAbortIgnored()))) {
				entry.unearnedInterrupts.incrementAndGet();
			}
			entry.note = "interrupted";
		}
	}

	private static void checkInterrupt(ConnectionStatus status, SoakLedger.Entry entry) {
		if (Thread.currentThread().isInterrupted() && status.bits() == 0) {
			entry.unearnedInterrupts.incrementAndGet();
		}
	}

}
