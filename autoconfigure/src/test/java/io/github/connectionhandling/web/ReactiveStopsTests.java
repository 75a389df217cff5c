package io.github.connectionhandling.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.ReactiveAdapterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the stop does to a reactive value's subscription: cancels it once, also when the
 * stop came first, and never after the value terminated; the Reactor context of the
 * subscriber stays visible upstream; adapted types keep their type.
 */
class ReactiveStopsTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final ReactiveStops stops = new ReactiveStops(ReactiveAdapterRegistry.getSharedInstance());

	private final List<Runnable> onEnd = new CopyOnWriteArrayList<>();

	private final List<String> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() {
		this.lifecycle.destroy();
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1"), null, false);
	}

	private Object stoppable(Object value, RequestHandle handle) {
		return this.stops.stoppable(value, handle, this.onEnd::add);
	}

	@Test
	void theStopCancelsAnOpenSubscriptionAndTellsTheSubscriberNothing() {
		RequestHandle handle = start();
		Flux<?> flux = (Flux<?>) stoppable(Flux.never().doOnCancel(() -> this.events.add("cancelled")), handle);
		flux.subscribe((value) -> this.events.add("next"), (ex) -> this.events.add("error"),
				() -> this.events.add("complete"));
		assertThat(this.events).isEmpty();
		handle.signal(ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.contains("cancelled"));
		assertThat(this.events).containsExactly("cancelled");
	}

	@Test
	void aSubscriptionAfterTheStopIsCancelledAtOnce() {
		RequestHandle handle = start();
		handle.signal(ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(handle::isStopped);
		Mono<?> mono = (Mono<?>) stoppable(Mono.never().doOnCancel(() -> this.events.add("cancelled")), handle);
		mono.subscribe();
		assertThat(this.events).containsExactly("cancelled");
	}

	@Test
	void theEndOfTheAsyncRequestCancelsOnlyWhatIsStillOpen() {
		RequestHandle handle = start();
		((Mono<?>) stoppable(Mono.just("x").doOnCancel(() -> this.events.add("done-cancelled")), handle)).subscribe();
		((Mono<?>) stoppable(Mono.never().doOnCancel(() -> this.events.add("open-cancelled")), handle)).subscribe();
		assertThat(this.onEnd).hasSize(2);
		this.onEnd.forEach(Runnable::run);
		assertThat(this.events).containsExactly("open-cancelled");
	}

	@Test
	void theStopAndTheEndCancelOnce() {
		RequestHandle handle = start();
		((Flux<?>) stoppable(Flux.never().doOnCancel(() -> this.events.add("cancelled")), handle)).subscribe();
		handle.signal(ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.contains("cancelled"));
		this.onEnd.forEach(Runnable::run);
		assertThat(this.events).containsExactly("cancelled");
	}

	@Test
	void theSubscribersReactorContextIsVisibleUpstream() {
		RequestHandle handle = start();
		Mono<?> mono = (Mono<?>) stoppable(Mono.deferContextual((context) -> Mono.just(context.get("key"))), handle);
		assertThat(mono.contextWrite(Context.of("key", "value")).block(Duration.ofSeconds(10))).isEqualTo("value");
	}

	@Test
	void anAdaptedTypeKeepsItsTypeAndIsCancelled() {
		RequestHandle handle = start();
		Flow.Publisher<?> source = JdkFlowAdapter
			.publisherToFlowPublisher(Flux.never().doOnCancel(() -> this.events.add("cancelled")));
		assertThat(this.stops.isReactive(source.getClass())).isTrue();
		Object stoppable = stoppable(source, handle);
		assertThat(stoppable).isInstanceOf(Flow.Publisher.class).isNotInstanceOf(Flux.class);
		JdkFlowAdapter.flowPublisherToFlux((Flow.Publisher<?>) stoppable).subscribe();
		handle.signal(ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.contains("cancelled"));
	}

	@Test
	void futuresAreNotReactiveHere() {
		// AsyncReturnValueHandler cancels them itself.
		assertThat(this.stops.isReactive(CompletableFuture.class)).isFalse();
		assertThat(this.stops.isReactive(String.class)).isFalse();
	}

}
