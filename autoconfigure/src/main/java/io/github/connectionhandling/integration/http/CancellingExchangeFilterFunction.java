package io.github.connectionhandling.integration.http;

import java.util.concurrent.atomic.AtomicBoolean;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.StopAction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Cancels a {@code WebClient} exchange when the request it is made for is stopped, while it
 * waits for the response and while its body is read: the connector closes the connection
 * of an exchange cancelled before its body was read to the end, rather than returning it to
 * its pool.
 * <p>
 * The request is the one the subscribing thread works for: {@code block()} in a handler,
 * and a {@code Mono} or {@code Flux} a handler returns, which Spring MVC subscribes to on
 * the request's thread. The exchange then fails with a {@link RequestStoppedException};
 * the stop reaches it on one of Reactor's bounded-elastic threads, so that the operators
 * and callbacks downstream of the cancelled exchange never run on the starter's stopping
 * threads. An exchange subscribed to on a thread that works for no request is left alone.
 */
public final class CancellingExchangeFilterFunction implements ExchangeFilterFunction {

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.defer(() -> {
			RequestHandle handle = CurrentRequest.handle();
			if (handle == null || handle.isFinished()) {
				return next.exchange(request);
			}
			ExchangeStop stop = new ExchangeStop();
			// Added after the stop, it runs at once: the exchange fails before it starts.
			handle.addStopAction(stop);
			Mono<ClientResponse> stopped = stop.signal().flatMap((bits) -> Mono.error(new RequestStoppedException(bits)));
			return Mono.firstWithSignal(next.exchange(request), stopped)
				.map((response) -> response.mutate().body((body) -> stop.guard(body)).build());
		});
	}

	/**
	 * The stop of one exchange; one per exchange, as small as a task's (it stays with its
	 * request until the request ends).
	 */
	private static final class ExchangeStop implements StopAction {

		private final Sinks.One<Integer> stop = Sinks.one();

		private volatile int bits = -1;

		@Override
		public void stop(int bits) {
			this.bits = bits;
			this.stop.tryEmitValue(bits);
		}

		Mono<Integer> signal() {
			return this.stop.asMono().publishOn(Schedulers.boundedElastic());
		}

		Flux<DataBuffer> guard(Flux<DataBuffer> body) {
			// Cut by the stop, the body fails; read to its end before the stop, it completes.
			AtomicBoolean cut = new AtomicBoolean();
			return body.takeUntilOther(signal().doOnNext((bits) -> cut.set(true)))
				.concatWith(Mono.defer(() -> cut.get() ? Mono.error(new RequestStoppedException(this.bits))
						: Mono.empty()));
		}

		@Override
		public String toString() {
			return "WebClient exchange" + ((this.bits < 0) ? "" : " (stopped)");
		}

	}

}
