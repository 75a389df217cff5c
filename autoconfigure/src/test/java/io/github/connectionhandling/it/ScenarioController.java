package io.github.connectionhandling.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Endpoints for each kind of handler; each records what happens to it under its tag.
 */
@RestController
public class ScenarioController {

	private static final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

	private final Events events;

	public ScenarioController(Events events) {
		this.events = events;
	}

	private void track(ConnectionStatus status, String tag) {
		this.events.add(tag, "started");
		status.onClose((s) -> this.events.add(tag, "close:" + s.bits() + ":" + Thread.currentThread().getName()));
		status.onShutdown((s) -> this.events.add(tag, "shutdown:" + s.bits()));
	}

	private void sleep(String tag, long millis) {
		try {
			Thread.sleep(millis);
			this.events.add(tag, "slept");
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
		}
	}

	@GetMapping("/sleep")
	String sleep(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "done " + status.bits();
	}

	@GetMapping("/busy")
	String busy(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
		long spins = 0;
		while (System.nanoTime() < end) {
			spins++;
		}
		this.events.add(tag, "busy-done");
		return "busy " + spins;
	}

	@IgnoreUserAbort
	@GetMapping("/sleep-ignoring")
	String sleepIgnoring(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "1500") long ms) {
		track(status, tag);
		sleep(tag, ms);
		this.events.add(tag, "aborted=" + status.isAborted());
		return "done " + status.bits();
	}

	@GetMapping("/status")
	String status(ConnectionStatus status) {
		return "bits=" + status.bits() + " same=" + (status == ConnectionStatus.current()) + " interrupted="
				+ Thread.currentThread().isInterrupted() + " thread=" + Thread.currentThread().getName();
	}

	@PostMapping("/body")
	String body(ConnectionStatus status, @RequestParam String tag, @RequestBody String body,
			@RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		this.events.add(tag, "body:" + body.length());
		sleep(tag, ms);
		return "done " + status.bits();
	}

	@GetMapping("/deferred")
	DeferredResult<String> deferred(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "0") long completeAfter) {
		track(status, tag);
		DeferredResult<String> result = new DeferredResult<>();
		result.onError((ex) -> this.events.add(tag, "error-callback"));
		result.onCompletion(() -> this.events.add(tag, "completion-callback"));
		if (completeAfter > 0) {
			scheduler.schedule(() -> result.setResult("deferred done"), completeAfter, TimeUnit.MILLISECONDS);
		}
		return result;
	}

	@GetMapping("/stopped-then-deferred")
	DeferredResult<String> stoppedThenDeferred(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		// Stopped while the initial dispatch runs; then ignores user aborts and goes async
		// with a result that nothing will ever set.
		sleep(tag, 10_000);
		status.ignoreUserAbort(true);
		DeferredResult<String> result = new DeferredResult<>(0L);
		result.onError((ex) -> this.events.add(tag, "error-callback"));
		return result;
	}

	@GetMapping("/callable")
	Callable<String> callable(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		return () -> {
			this.events.add(tag, "callable-current=" + (ConnectionStatus.current() == status));
			sleep(tag, ms);
			return "callable done";
		};
	}

	@GetMapping("/webasynctask")
	WebAsyncTask<String> webAsyncTask(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		WebAsyncTask<String> task = new WebAsyncTask<>(() -> {
			sleep(tag, ms);
			return "task done";
		});
		task.onError(() -> {
			this.events.add(tag, "error-callback");
			return "error";
		});
		task.onCompletion(() -> this.events.add(tag, "completion-callback"));
		return task;
	}

	@GetMapping("/future")
	CompletableFuture<String> future(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		CompletableFuture<String> future = new CompletableFuture<>();
		future.whenComplete((value, ex) -> this.events.add(tag, "future-" + (future.isCancelled() ? "cancelled" : "done")));
		return future;
	}

	@GetMapping("/sse")
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
		return emitter;
	}

	@GetMapping("/emitter")
	ResponseBodyEmitter emitter(ConnectionStatus status, @RequestParam String tag) throws IOException {
		track(status, tag);
		ResponseBodyEmitter emitter = new ResponseBodyEmitter(0L);
		emitter.onError((ex) -> this.events.add(tag, "error-callback"));
		emitter.onCompletion(() -> this.events.add(tag, "completion-callback"));
		emitter.send("first\n");
		return emitter;
	}

	@GetMapping("/streaming")
	StreamingResponseBody streaming(ConnectionStatus status, @RequestParam String tag, HttpServletResponse response) {
		track(status, tag);
		return (out) -> {
			out.write("first\n".getBytes(StandardCharsets.UTF_8));
			response.flushBuffer();
			sleep(tag, 10000);
		};
	}

	@TimeLimit("1s")
	@GetMapping("/limited/sleep")
	String limitedSleep(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "5000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "done " + status.bits();
	}

	@TimeLimit("1s")
	@GetMapping("/limited/stubborn")
	String limitedStubborn(ConnectionStatus status, @RequestParam String tag, HttpServletResponse response)
			throws IOException {
		track(status, tag);
		long end = System.nanoTime() + Duration.ofMillis(2000).toNanos();
		while (System.nanoTime() < end) {
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				this.events.add(tag, "swallowed-interrupt");
			}
		}
		this.events.add(tag, "stubborn-done");
		response.getWriter().write("LATE OUTPUT");
		return "LATE RETURN";
	}

}
