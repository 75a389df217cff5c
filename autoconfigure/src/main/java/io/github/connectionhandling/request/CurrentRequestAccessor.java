package io.github.connectionhandling.request;

import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * Carries the request a thread works for through Micrometer's context propagation, so
 * that {@code ConnectionStatus.current()} works wherever a context snapshot is restored:
 * in Reactor operators (all of them with automatic context propagation, {@code handle}
 * and {@code tap} otherwise; Spring MVC writes the request thread's snapshot into the
 * Reactor context of a returned {@code Mono} or {@code Flux}), in coroutines with
 * Spring's {@code PropagationContextElement}, and on executors wrapped with
 * {@code ContextExecutorService} or tasks wrapped by a {@code ContextSnapshot}.
 * <p>
 * A thread bound this way sees the status but is never interrupted: it may be a shared
 * scheduler or event-loop thread. Work there stops by cancellation (a reactive value's
 * subscription, a returned future) or at {@code checkpoint()}. Registered through
 * {@code META-INF/services}, so every {@code ContextRegistry.getInstance()} knows it.
 */
public final class CurrentRequestAccessor implements ThreadLocalAccessor<RequestHandle> {

	/** The key of the request in a context snapshot or Reactor context. */
	public static final String KEY = "io.github.connectionhandling.request";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	public @Nullable RequestHandle getValue() {
		return CurrentRequest.handle();
	}

	@Override
	public void setValue(RequestHandle value) {
		CurrentRequest.rebind(value);
	}

	@Override
	public void setValue() {
		CurrentRequest.rebind(null);
	}

	@Override
	public void restore(RequestHandle previousValue) {
		CurrentRequest.rebind(previousValue);
	}

	@Override
	public void restore() {
		CurrentRequest.rebind(null);
	}

}
