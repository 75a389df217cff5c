package io.github.connectionhandling.request;

import java.util.function.Consumer;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * The logging (MDC) and observation context of a request's thread, captured there and
 * restored around callbacks run on other threads (close callbacks, shutdown functions on
 * the callback pool), then removed: the callback thread gets back exactly what it had.
 * Restoring the current Observation restores its span with Micrometer Tracing (and the
 * trace id in the MDC, which the tracer keeps there).
 * <p>
 * Uses Micrometer's context-propagation library when it is on the class path (Micrometer
 * Tracing brings it); without it, {@link #capture()} returns a context that restores
 * nothing. The registry is this class's own, not the global one: registering the MDC
 * accessor globally would change what Reactor and others propagate.
 */
final class CallbackContext {

	private static final CallbackContext NONE = new CallbackContext(null);

	/** Only loaded when context-propagation is present: this class does not need it. */
	private static final @Nullable Propagation propagation = ClassUtils
		.isPresent("io.micrometer.context.ContextSnapshotFactory", CallbackContext.class.getClassLoader())
				? new Propagation() : null;

	private final @Nullable Restorer restorer;

	private CallbackContext(@Nullable Restorer restorer) {
		this.restorer = restorer;
	}

	/**
	 * Capture the calling thread's context.
	 * @return the context, to restore on another thread
	 */
	static CallbackContext capture() {
		Propagation snapshots = propagation;
		return (snapshots != null) ? new CallbackContext(snapshots.capture()) : NONE;
	}

	/**
	 * Return whether context can be captured at all (context-propagation is present).
	 * @return whether {@link #capture()} captures anything
	 */
	static boolean isAvailable() {
		return propagation != null;
	}

	/**
	 * Run an action with this context set on the calling thread; afterwards the thread
	 * has its own context again. Values the captured context lacks are cleared meanwhile.
	 * @param action the action
	 */
	void run(Runnable action) {
		Restorer restorer = this.restorer;
		if (restorer == null) {
			action.run();
		}
		else {
			restorer.run(action);
		}
	}

	/**
	 * Call a callback with this context set on the calling thread, as {@link #run}.
	 * @param <T> the callback's argument type
	 * @param callback the callback
	 * @param argument its argument
	 */
	<T> void accept(Consumer<? super T> callback, T argument) {
		run(() -> callback.accept(argument));
	}

	private interface Restorer {

		void run(Runnable action);

	}

	private static final class Propagation {

		private final ContextSnapshotFactory factory;

		Propagation() {
			ClassLoader classLoader = CallbackContext.class.getClassLoader();
			// The observation accessor (micrometer-observation registers it as a service).
			ContextRegistry registry = new ContextRegistry().loadThreadLocalAccessors();
			if (ClassUtils.isPresent("org.slf4j.MDC", classLoader)) {
				registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
			}
			this.factory = ContextSnapshotFactory.builder().contextRegistry(registry).clearMissing(true).build();
		}

		Restorer capture() {
			ContextSnapshot snapshot = this.factory.captureAll();
			return (action) -> {
				try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
					action.run();
				}
			};
		}

	}

}
