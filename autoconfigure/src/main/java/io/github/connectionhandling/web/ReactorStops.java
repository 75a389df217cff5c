package io.github.connectionhandling.web;

import java.util.function.Consumer;
import java.util.function.Function;

import io.github.connectionhandling.request.RequestHandle;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The Reactor side of {@link ReactiveStops}: a lifted {@code Mono} or {@code Flux} whose
 * subscriber keeps the downstream's Reactor context visible upstream. Loaded only when
 * Reactor is on the class path.
 */
final class ReactorStops {

	private ReactorStops() {
	}

	static boolean isReactor(Object value) {
		return value instanceof Mono || value instanceof Flux;
	}

	@SuppressWarnings("unchecked")
	static Object stoppable(Object value, RequestHandle handle, Consumer<Runnable> onEnd) {
		Function<? super Publisher<Object>, ? extends Publisher<Object>> lift = Operators
			.lift((scannable, actual) -> new Stopping<>(actual, handle, onEnd));
		if (value instanceof Mono<?> mono) {
			return Mono.from(lift.apply((Mono<Object>) mono));
		}
		return Flux.from(lift.apply((Flux<Object>) value));
	}

	private static final class Stopping<T> extends ReactiveStops.Stopping<T> implements CoreSubscriber<T> {

		private final CoreSubscriber<? super T> actual;

		Stopping(CoreSubscriber<? super T> actual, RequestHandle handle, Consumer<Runnable> onEnd) {
			super(actual, handle, onEnd);
			this.actual = actual;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

	}

}
