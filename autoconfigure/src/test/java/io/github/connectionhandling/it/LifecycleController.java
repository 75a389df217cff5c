package io.github.connectionhandling.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Requests that complete normally, one per return type; each registers three shutdown
 * functions (the second throws) and records what ran.
 */
@RestController
@RequestMapping("/lifecycle")
public class LifecycleController {

	private static final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

	private final Events events;

	public LifecycleController(Events events) {
		this.events = events;
	}

	private void register(ConnectionStatus status, String tag) {
		this.events.add(tag, "same=" + (status == ConnectionStatus.current()));
		status.onShutdown((s) -> this.events.add(tag, "shutdown-1:" + s.bits()));
		status.onShutdown((s) -> {
			throw new IllegalStateException("shutdown function failing on purpose");
		});
		status.onShutdown((s) -> this.events.add(tag, "shutdown-3:" + s.bits()));
	}

	@GetMapping("/blocking")
	String blocking(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		return "blocking";
	}

	@GetMapping("/deferred")
	DeferredResult<String> deferred(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		DeferredResult<String> result = new DeferredResult<>();
		result.onCompletion(() -> this.events.add(tag, "completion-current=" + (currentOrNull() == status)));
		later.schedule(() -> result.setResult("deferred"), 50, TimeUnit.MILLISECONDS);
		return result;
	}

	@GetMapping("/callable")
	Callable<String> callable(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		return () -> {
			this.events.add(tag, "callable-current=" + (currentOrNull() == status));
			return "callable";
		};
	}

	@GetMapping("/webasynctask")
	WebAsyncTask<String> webAsyncTask(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		return new WebAsyncTask<>(() -> {
			this.events.add(tag, "task-current=" + (currentOrNull() == status));
			return "webasynctask";
		});
	}

	@GetMapping("/future")
	CompletableFuture<String> future(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		return CompletableFuture.supplyAsync(() -> "future",
				CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
	}

	@GetMapping("/sse")
	SseEmitter sse(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		SseEmitter emitter = new SseEmitter();
		later.schedule(() -> {
			try {
				emitter.send("one");
				emitter.send("two");
				emitter.complete();
			}
			catch (IOException ex) {
				emitter.completeWithError(ex);
			}
		}, 50, TimeUnit.MILLISECONDS);
		return emitter;
	}

	@GetMapping("/emitter")
	ResponseBodyEmitter emitter(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		ResponseBodyEmitter emitter = new ResponseBodyEmitter();
		later.schedule(() -> {
			try {
				emitter.send("emitted");
				emitter.complete();
			}
			catch (IOException ex) {
				emitter.completeWithError(ex);
			}
		}, 50, TimeUnit.MILLISECONDS);
		return emitter;
	}

	@GetMapping("/streaming")
	StreamingResponseBody streaming(ConnectionStatus status, @RequestParam String tag) {
		register(status, tag);
		return (out) -> {
			this.events.add(tag, "streaming-current=" + (currentOrNull() == status));
			out.write("streamed".getBytes(StandardCharsets.UTF_8));
		};
	}

	private static ConnectionStatus currentOrNull() {
		try {
			return ConnectionStatus.current();
		}
		catch (IllegalStateException ex) {
			return null;
		}
	}

}
