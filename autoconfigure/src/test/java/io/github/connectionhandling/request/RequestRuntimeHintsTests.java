package io.github.connectionhandling.request;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

import static org.assertj.core.api.Assertions.assertThat;

class RequestRuntimeHintsTests {

	@Test
	void theFieldsBehindTheVarHandlesHaveReflectionHints() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		new RequestRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RequestHandle.VAR_HANDLE_FIELDS).isNotEmpty();
		for (String name : RequestHandle.VAR_HANDLE_FIELDS) {
			assertThat(RuntimeHintsPredicates.reflection()
				.onFieldAccess(RequestHandle.class.getDeclaredField(name))).as(name).accepts(hints);
		}
	}

	@Test
	void threadIsVirtualHasAnInvocationHint() {
		RuntimeHints hints = new RuntimeHints();
		new RequestRuntimeHints().registerHints(hints, getClass().getClassLoader());
		// By name: on Java 17 there is no such method to ask the predicates about.
		assertThat(hints.reflection().getTypeHint(Thread.class).methods())
			.anyMatch((method) -> method.getName().equals(RequestThreads.IS_VIRTUAL) && method.getParameterTypes().isEmpty()
					&& method.getMode() == ExecutableMode.INVOKE);
	}

	@Test
	void virtualThreadBuilderHasInvocationHints() {
		RuntimeHints hints = new RuntimeHints();
		new RequestRuntimeHints().registerHints(hints, getClass().getClassLoader());
		// By name: on Java 17 these methods do not exist.
		assertThat(hints.reflection().getTypeHint(Thread.class).methods())
			.anyMatch((method) -> method.getName().equals(UserCallbacks.OF_VIRTUAL) && method.getParameterTypes().isEmpty()
					&& method.getMode() == ExecutableMode.INVOKE);
		assertThat(hints.reflection().getTypeHint(TypeReference.of(UserCallbacks.BUILDER)).methods())
			.extracting((method) -> method.getName())
			.containsExactlyInAnyOrder(UserCallbacks.NAME, UserCallbacks.FACTORY);
	}

}
