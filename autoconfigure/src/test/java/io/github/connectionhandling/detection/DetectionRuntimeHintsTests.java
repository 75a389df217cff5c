package io.github.connectionhandling.detection;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

import static org.assertj.core.api.Assertions.assertThat;

class DetectionRuntimeHintsTests {

	@Test
	void theFieldBehindTheWatchsVarHandleHasAReflectionHint() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		new DetectionRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection()
			.onFieldAccess(Watch.class.getDeclaredField(Watch.STATE_FIELD)))
			.accepts(hints);
	}

}
