package io.github.connectionhandling.detection;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Reflection hints for the detector: the field behind a watch's var handle.
 */
final class DetectionRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.reflection()
			.registerType(Watch.class, (hint) -> hint.withField(Watch.STATE_FIELD));
	}

}
