package io.github.connectionhandling.web;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.StopAction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.ClassUtils;

/**
 * Cancels the subscription to a reactive return value (any type Spring's
 * {@link ReactiveAdapterRegistry} adapts: {@code Mono}, {@code Flux}, RxJava, Kotlin's
 * {@code Flow} and a {@code suspend} function's coroutine) when its request is stopped.
 * Spring MVC cancels it only on an async timeout, which the starter switches off, and on
 * an error it completes the response but stays subscribed until an element fails to be
 * written, and when the container reports an error the async request completes with
 * the subscription still open: so the subscription is also cancelled when the async
 * request completes. Loaded only when Reactive Streams is on the class path; futures are left to
 * {@link AsyncReturnValueHandler}, which cancels them itself.
 */
final class ReactiveStops {

	private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Flux",
			ReactiveStops.class.getClassLoader());

	private final ReactiveAdapterRegistry registry;

	ReactiveStops(ReactiveAdapterRegistry registry) {
		this.registry = registry;
	}

	boolean isReactive(@Nullable Class<?> type) {
		return type != null && !Future.class.isAssignableFrom(type) && !CompletionStage.class.isAssignableFrom(type)
				&& this.registry.getAdapter(type) != null;
	}

	/**
	 * Return the value, of the same reactive type, with a subscription that the request's
	 * stop cancels.
	 * @param value a value of a type for which {@link #isReactive} holds
	 * @param handle its request
	 * @param onEnd registers an action to run when the async request completes
	 * @return the stoppable value
	 */
	Object stoppable(Object value, RequestHandle handle, Consumer<Runnable> onEnd) {
		if (REACTOR && ReactorStops.isReactor(value)) {
			// Reactor's own operator: Spring writes the request's context snapshot into
			// the subscriber's Reactor context, which a plain subscriber would hide.
			return ReactorStops.stoppable(value, handle, onEnd);
		}
		ReactiveAdapter adapter = this.registry.getAdapter(value.getClass());
		if (adapter == null) {
			return value;
		}
		Publisher<Object> source = adapter.toPublisher(value);
		Publisher<Object> stoppable = (subscriber) -> source.subscribe(new Stopping<>(subscriber, handle, onEnd));
		return adapter.fromPublisher(stoppable);
	}

	/**
	 * Passes signals through and cancels the upstream subscription on the request's stop.
	 * The downstream (Spring's subscriber) hears nothing from the stop itself: the stop
	 * completes the async request with an error, which ends Spring's side.
	 * @param <T> the element type
	 */
	static class Stopping<T> implements Subscriber<T>, Subscription, StopAction {

		private final Subscriber<? super T> actual;

		private final RequestHandle handle;

		private final Consumer<Runnable> onEnd;

		private volatile @Nullable Subscription upstream;

		/** Whether the upstream terminated: then there is nothing to cancel. */
		private volatile boolean terminated;

		/** Cancelled once: the stop, the async request's end and Spring may all ask. */
		private final AtomicBoolean cancelled = new AtomicBoolean();

		Stopping(Subscriber<? super T> actual, RequestHandle handle, Consumer<Runnable> onEnd) {
			this.actual = actual;
			this.handle = handle;
			this.onEnd = onEnd;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.upstream = subscription;
			// Runs at once if the request was stopped already.
			this.handle.addStopAction(this);
			this.onEnd.accept(this::stopUnlessTerminated);
			this.actual.onSubscribe(this);
		}

		@Override
		public void onNext(T element) {
			this.actual.onNext(element);
		}

		@Override
		public void onError(Throwable failure) {
			this.terminated = true;
			this.actual.onError(failure);
		}

		@Override
		public void onComplete() {
			this.terminated = true;
			this.actual.onComplete();
		}

		@Override
		public void request(long n) {
			Subscription subscription = this.upstream;
			if (subscription != null) {
				subscription.request(n);
			}
		}

		@Override
		public void cancel() {
			Subscription subscription = this.upstream;
			if (subscription != null && this.cancelled.compareAndSet(false, true)) {
				subscription.cancel();
			}
		}

		@Override
		public void stop(int bits) {
			stopUnlessTerminated();
		}

		private void stopUnlessTerminated() {
			if (!this.terminated) {
				cancel();
			}
		}

	}

}
