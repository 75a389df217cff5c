package io.github.connectionhandling.it;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import io.micrometer.context.ContextExecutorService;
import io.micrometer.context.ContextSnapshotFactory;
import jakarta.annotation.PreDestroy;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reactive handlers whose work outlasts any test unless it is cancelled: each records
 * its subscription's cancel, and any element it produces late, under its tag.
 */
@RestController
public class ReactiveScenarioController {

	/** Longer than any test waits: an element this late means nothing cancelled the work. */
	private static final Duration LATE = Duration.ofSeconds(30);

	private final Events events;

	private final ExecutorService executor = Executors.newFixedThreadPool(2, (task) -> {
		Thread thread = new Thread(task, "plain-pool-" + threads.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	});

	private final ExecutorService wrapped = ContextExecutorService.wrap(this.executor,
			() -> ContextSnapshotFactory.builder().build().captureAll());

	private static final AtomicInteger threads = new AtomicInteger();

	public ReactiveScenarioController(Events events) {
		this.events = events;
	}

	@PreDestroy
	void stop() {
		this.executor.shutdownNow();
	}

	private void track(ConnectionStatus status, String tag) {
		this.events.add(tag, "started");
		this.events.add(tag, "thread:" + Thread.currentThread().getName());
		status.onClose((s) -> this.events.add(tag, "close:" + s.bits() + ":" + Thread.currentThread().getName()));
		status.onShutdown((s) -> this.events.add(tag, "shutdown:" + s.bits()));
	}

	private <T> Mono<T> late(String tag, T value) {
		return Mono.delay(LATE).map((tick) -> value).doOnNext((v) -> this.events.add(tag, "late"));
	}

	private <T> Flux<T> recorded(Flux<T> flux, ConnectionStatus status, String tag) {
		return flux.doOnSubscribe((s) -> this.events.add(tag, "subscribed"))
			.doOnCancel(() -> this.events.add(tag, "cancelled:" + status.bits()));
	}

	private <T> Mono<T> recorded(Mono<T> mono, ConnectionStatus status, String tag) {
		return mono.doOnSubscribe((s) -> this.events.add(tag, "subscribed"))
			.doOnCancel(() -> this.events.add(tag, "cancelled:" + status.bits()));
	}

	@GetMapping("/rx/mono")
	Mono<String> mono(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return recorded(late(tag, "late"), status, tag);
	}

	@GetMapping("/rx/entity")
	ResponseEntity<Mono<String>> entity(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return ResponseEntity.ok().header("X-Entity", "yes").body(recorded(late(tag, "late"), status, tag));
	}

	/** A JDK {@code Flow.Publisher}: a type Spring adapts that is neither Mono nor Flux. */
	@GetMapping("/rx/flow")
	Flow.Publisher<String> flow(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return JdkFlowAdapter.publisherToFlowPublisher(recorded(late(tag, "late").flux(), status, tag));
	}

	/** One event at once, the next one only when nothing cancelled the stream. */
	@GetMapping(path = "/rx/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<String> sse(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return recorded(Flux.concat(Mono.just("first"), late(tag, "late")), status, tag);
	}

	@GetMapping(path = "/rx/ndjson", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Map<String, String>> ndjson(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return recorded(Flux.concat(Mono.just(Map.of("part", "first")), late(tag, Map.of("part", "late"))), status,
				tag);
	}

	@IgnoreUserAbort
	@GetMapping("/rx/ignoring")
	Mono<String> ignoring(ConnectionStatus status, @RequestParam String tag, @RequestParam long ms) {
		track(status, tag);
		return recorded(Mono.delay(Duration.ofMillis(ms)).map((tick) -> {
			this.events.add(tag, "emitted");
			this.events.add(tag, "aborted=" + status.isAborted());
			return "done";
		}), status, tag);
	}

	/** What {@code ConnectionStatus.current()} says on the calling thread. */
	private static String seen() {
		String thread = Thread.currentThread().getName().replaceAll("-\\d+$", "");
		try {
			return thread + ":" + ConnectionStatus.current().bits();
		}
		catch (IllegalStateException ex) {
			return thread + ":none";
		}
	}

	/** {@code handle} restores thread locals from the Reactor context in every mode. */
	@GetMapping("/rx/context/handle")
	Mono<String> contextInHandle() {
		return Mono.just("x")
			.publishOn(Schedulers.boundedElastic())
			.handle((value, sink) -> sink.next(seen()));
	}

	/** {@code map} sees it only with automatic context propagation; streamed as text. */
	@GetMapping("/rx/context/map")
	Flux<String> contextInMap() {
		return Flux.just("x")
			.publishOn(Schedulers.boundedElastic())
			.map((value) -> seen() + ";")
			.concatWith(Mono.delay(Duration.ofMillis(10)).map((tick) -> seen() + ";"));
	}

	/** A chain on an executor wrapped by context propagation, hopping to it twice. */
	@GetMapping("/rx/context/future")
	CompletableFuture<String> contextInFuture() {
		return CompletableFuture.supplyAsync(ReactiveScenarioController::seen, this.wrapped)
			.thenApplyAsync((first) -> first + "," + seen(), this.wrapped);
	}

	/** The same executor unwrapped: nothing propagates, and nothing is left on its threads. */
	@GetMapping("/rx/context/plain")
	CompletableFuture<String> contextOnPlainExecutor() {
		return CompletableFuture.supplyAsync(ReactiveScenarioController::seen, this.executor);
	}

	/** Work on a scheduler thread that stops at its checkpoint once the client has gone. */
	@GetMapping("/rx/context/checkpoint")
	Mono<String> checkpointOnScheduler(ConnectionStatus status, @RequestParam String tag) {
		track(status, tag);
		return Mono.just("x").publishOn(Schedulers.boundedElastic()).handle((value, sink) -> {
			try {
				for (int i = 0; i < 300; i++) {
					ConnectionStatus.current().checkpoint();
					Thread.sleep(100);
				}
				this.events.add(tag, "ran-out");
				sink.next("done");
			}
			catch (RuntimeException ex) {
				this.events.add(tag, "checkpoint:" + ex.getClass().getSimpleName());
				sink.error(ex);
			}
			catch (InterruptedException ex) {
				this.events.add(tag, "interrupted");
				sink.error(ex);
			}
		});
	}

	@TimeLimit("1s")
	@GetMapping("/rx/limited/mono")
	Mono<String> limitedMono(ConnectionStatus status, @RequestParam String tag) {
		return mono(status, tag);
	}

	@TimeLimit("1s")
	@GetMapping(path = "/rx/limited/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<String> limitedSse(ConnectionStatus status, @RequestParam String tag) {
		return sse(status, tag);
	}

}
