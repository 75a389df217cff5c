package io.github.connectionhandling.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Endpoints for the time limit tests; each records what happens to it under its tag.
 */
@RestController
public class TimeLimitScenarioController {

	private static final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, (runnable) -> {
		Thread thread = new Thread(runnable, "tl-scenario");
		thread.setDaemon(true);
		return thread;
	});

	private final Events events;

	public TimeLimitScenarioController(Events events) {
		this.events = events;
	}

	private void track(ConnectionStatus status, String tag) {
		this.events.add(tag, "started");
		this.events.add(tag, "limit:" + status.getTimeLimit());
		this.events.add(tag, "virtual=" + isVirtual(Thread.currentThread()));
		status.onClose((s) -> this.events.add(tag, "close:" + s.bits()));
		status.onShutdown((s) -> this.events.add(tag, "shutdown:" + s.bits()));
	}

	/** Thread.isVirtual() needs Java 21; the tests compile for 17. */
	static boolean isVirtual(Thread thread) {
		try {
			return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
		}
		catch (ReflectiveOperationException ex) {
			return false;
		}
	}

	/** Sleeps {@code ms}; 1 s limit. */
	@TimeLimit("1s")
	@GetMapping("/tl/sleep")
	String sleepLimited(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "2000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "done " + status.bits();
	}

	private boolean sleep(String tag, long millis) {
		try {
			Thread.sleep(millis);
			this.events.add(tag, "slept");
			return true;
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
			return false;
		}
	}

	/** Spins for {@code ms}, ignoring interruption, then writes late output. */
	@TimeLimit("1s")
	@GetMapping("/tl/busy-late")
	String busyLate(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "2000") long ms,
			HttpServletResponse response) throws IOException {
		track(status, tag);
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
		long spins = 0;
		while (System.nanoTime() < end) {
			spins++;
		}
		this.events.add(tag, "busy-done");
		response.setHeader("X-Late", "LATE-HEADER");
		response.getOutputStream().write("LATE STREAM ".getBytes(StandardCharsets.UTF_8));
		response.flushBuffer();
		this.events.add(tag, "late-written");
		return "LATE RETURN " + spins;
	}

	/** Spins until {@code ms} have passed or the thread is interrupted. */
	@TimeLimit("1s")
	@GetMapping("/tl/spin")
	String spin(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
		while (System.nanoTime() < end) {
			if (Thread.currentThread().isInterrupted()) {
				this.events.add(tag, "spin-interrupted");
				return "interrupted";
			}
		}
		this.events.add(tag, "spin-done");
		return "spun " + status.bits();
	}

	/** Sleeps 0.7 s, restarts a 1 s limit, sleeps 0.7 s more: 1.4 s under a 1 s limit. */
	@TimeLimit("1s")
	@GetMapping("/tl/restart")
	String restart(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "700") long ms) {
		track(status, tag);
		if (sleep(tag, ms)) {
			status.setTimeLimit(Duration.ofSeconds(1));
			this.events.add(tag, "restarted");
			sleep(tag, ms);
		}
		return "finished " + status.bits();
	}

	@TimeLimit("0")
	@GetMapping("/tl/unlimited")
	String unlimited(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "1500") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "finished " + status.bits() + " " + status.getTimeLimit();
	}

	/** No annotation: the global default applies. */
	@GetMapping("/tl/default")
	String byDefault(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "5000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "finished " + status.bits() + " " + status.getTimeLimit();
	}

	@TimeLimit("${tl.placeholder-limit:700ms}")
	@GetMapping("/tl/placeholder")
	String placeholder(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "5000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "finished " + status.bits() + " " + status.getTimeLimit();
	}

	@TimeLimit("1s")
	@GetMapping("/tl/fast")
	String fast(ConnectionStatus status) {
		return "fast " + status.bits();
	}

	@TimeLimit("1s")
	@GetMapping("/tl/deferred")
	DeferredResult<String> deferred(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		DeferredResult<String> result = new DeferredResult<>();
		result.onTimeout(() -> this.events.add(tag, "timeout-callback"));
		result.onError((ex) -> this.events.add(tag, "error-callback"));
		result.onCompletion(() -> this.events.add(tag, "completion-callback"));
		// Completed far too late: the result must go nowhere.
		scheduler.schedule(() -> this.events.add(tag, "late-set:" + result.setResult("LATE RESULT")), 2500,
				TimeUnit.MILLISECONDS);
		return result;
	}

	@TimeLimit("1500ms")
	@GetMapping("/tl/deferred-long")
	DeferredResult<String> deferredLong(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		DeferredResult<String> result = new DeferredResult<>();
		result.onTimeout(() -> this.events.add(tag, "timeout-callback"));
		result.onError((ex) -> this.events.add(tag, "error-callback"));
		result.onCompletion(() -> this.events.add(tag, "completion-callback"));
		return result;
	}

	/** A DeferredResult with its own timeout, shorter than the endpoint's limit. */
	@TimeLimit("1500ms")
	@GetMapping("/tl/deferred-own")
	DeferredResult<String> deferredOwn(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "300") long timeout) {
		track(status, tag);
		DeferredResult<String> result = new DeferredResult<>(timeout, () -> "own timeout");
		result.onTimeout(() -> this.events.add(tag, "timeout-callback"));
		result.onCompletion(() -> this.events.add(tag, "completion-callback"));
		return result;
	}

	@TimeLimit("1s")
	@GetMapping("/tl/callable")
	Callable<String> callable(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "5000") long ms) {
		track(status, tag);
		return () -> {
			this.events.add(tag, "callable-thread-bound=" + (ConnectionStatus.current() == status));
			sleep(tag, ms);
			return "callable-result " + status.bits();
		};
	}

	@TimeLimit("5s")
	@GetMapping("/tl/callable-long")
	Callable<String> callableLong(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "2000") long ms) {
		return callable(status, tag, ms);
	}

	@TimeLimit("1s")
	@GetMapping("/tl/sse")
	SseEmitter sse(ConnectionStatus status, @RequestParam String tag) throws IOException {
		track(status, tag);
		SseEmitter emitter = new SseEmitter(0L);
		emitter.onError((ex) -> this.events.add(tag, "error-callback"));
		emitter.onCompletion(() -> this.events.add(tag, "completion-callback"));
		emitter.send(SseEmitter.event().data("first"));
		var task = scheduler.scheduleAtFixedRate(() -> {
			try {
				emitter.send(SseEmitter.event().data("tick"));
			}
			catch (Exception ex) {
				// stopped
			}
		}, 200, 200, TimeUnit.MILLISECONDS);
		emitter.onCompletion(() -> task.cancel(false));
		emitter.onError((ex) -> task.cancel(false));
		// A stream that never ends by itself, but bounded so a failing test leaves nothing.
		scheduler.schedule(() -> task.cancel(false), 10, TimeUnit.SECONDS);
		return emitter;
	}

	/**
	 * Ignores user aborts and keeps working past its client, until its limit stops it.
	 */
	@IgnoreUserAbort
	@TimeLimit("1500ms")
	@GetMapping("/tl/ignoring")
	String ignoring(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		boolean sawAbort = false;
		while (System.nanoTime() < end) {
			if (!sawAbort && status.isAborted()) {
				sawAbort = true;
				this.events.add(tag, "working-after-abort");
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				this.events.add(tag, "interrupted:" + status.bits());
				break;
			}
		}
		return "done " + status.bits();
	}

}
