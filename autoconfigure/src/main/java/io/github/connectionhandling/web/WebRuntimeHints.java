package io.github.connectionhandling.web;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/**
 * Reflection hints for the web layer: the {@code DeferredResult} field that holds the
 * timeout an application gave it ({@link AsyncReturnValueHandler}), for Spring MVC
 * applications.
 */
final class WebRuntimeHints implements RuntimeHintsRegistrar {

	static final String DEFERRED_RESULT = "org.springframework.web.context.request.async.DeferredResult";

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		if (ClassUtils.isPresent(DEFERRED_RESULT, classLoader)) {
			hints.reflection()
				.registerType(TypeReference.of(DEFERRED_RESULT),
						(hint) -> hint.withField(AsyncReturnValueHandler.DEFERRED_RESULT_TIMEOUT));
		}
	}

}
