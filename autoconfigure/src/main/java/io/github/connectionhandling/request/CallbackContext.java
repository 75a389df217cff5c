package io.github.connectionhandling.request;

import java.util.Map;
import java.util.function.Consumer;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

import org.springframework.util.ClassUtils;

/**
 * The logging (MDC) and observation/tracing context of the thread that registers a close
 * callback or shutdown function, restored around the callback wherever it runs and
 * removed afterwards: a callback logs with its request's trace id and MDC values, even on
 * a thread of its own. Captured at registration, so requests without callbacks pay
 * nothing.
 */
final class CallbackContext {

	private static final ClassLoader LOADER = CallbackContext.class.getClassLoader();

	private static final boolean SLF4J = ClassUtils.isPresent("org.slf4j.MDC", LOADER);

	private static final boolean CONTEXT_PROPAGATION = ClassUtils
		.isPresent("io.micrometer.context.ContextSnapshotFactory", LOADER);

	private CallbackContext() {
	}

	/**
	 * Wrap a callback so that it runs in the current thread's context.
	 * @param callback the callback
	 * @param <T> what it accepts
	 * @return the callback, or a wrapper restoring the context around it
	 */
	static <T> Consumer<T> capture(Consumer<T> callback) {
		Map<String, String> mdc = SLF4J ? MdcAccess.capture() : null;
		Object snapshot = CONTEXT_PROPAGATION ? Snapshots.capture() : null;
		if (mdc == null && snapshot == null) {
			return callback;
		}
		return (value) -> {
			Map<String, String> previous = (mdc != null) ? MdcAccess.replace(mdc) : null;
			try (AutoCloseable scope = (snapshot != null) ? Snapshots.restore(snapshot) : null) {
				callback.accept(value);
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Exception ex) {
				// only closing a scope throws checked exceptions, and it declares none
				throw new IllegalStateException(ex);
			}
			finally {
				if (mdc != null) {
					MdcAccess.replace(previous);
				}
			}
		};
	}

	/** Kept apart so that the class loads without SLF4J. */
	private static final class MdcAccess {

		static @Nullable Map<String, String> capture() {
			Map<String, String> copy = MDC.getCopyOfContextMap();
			return (copy == null || copy.isEmpty()) ? null : copy;
		}

		static @Nullable Map<String, String> replace(@Nullable Map<String, String> context) {
			Map<String, String> previous = MDC.getCopyOfContextMap();
			if (context == null) {
				MDC.clear();
			}
			else {
				MDC.setContextMap(context);
			}
			return previous;
		}

	}

	/** Kept apart so that the class loads without Micrometer's context propagation. */
	private static final class Snapshots {

		private static final ContextSnapshotFactory FACTORY = ContextSnapshotFactory.builder().build();

		static @Nullable Object capture() {
			ContextSnapshot snapshot = FACTORY.captureAll();
			return snapshot;
		}

		static AutoCloseable restore(Object snapshot) {
			return ((ContextSnapshot) snapshot).setThreadLocals();
		}

	}

}
