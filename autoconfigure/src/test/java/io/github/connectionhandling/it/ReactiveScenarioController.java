package io.github.connectionhandling.it;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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

	public ReactiveScenarioController(Events events) {
		this.events = events;
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
