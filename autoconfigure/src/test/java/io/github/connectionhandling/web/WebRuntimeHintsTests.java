package io.github.connectionhandling.web;

import java.lang.reflect.Field;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.context.request.async.DeferredResult;

import static org.assertj.core.api.Assertions.assertThat;

class WebRuntimeHintsTests {

	@Test
	void theDeferredResultFieldTheHandlerReadsHasAReflectionHint() {
		Field field = ReflectionUtils.findField(DeferredResult.class, AsyncReturnValueHandler.DEFERRED_RESULT_TIMEOUT,
				Long.class);
		assertThat(field).isNotNull();
		assertThat(WebRuntimeHints.DEFERRED_RESULT).isEqualTo(DeferredResult.class.getName());
		RuntimeHints hints = new RuntimeHints();
		new WebRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(field)).accepts(hints);
	}

	@Test
	void noHintsWithoutSpringMvc() {
		RuntimeHints hints = new RuntimeHints();
		new WebRuntimeHints().registerHints(hints, new FilteredClassLoader(DeferredResult.class));
		assertThat(hints.reflection().typeHints()).isEmpty();
	}

}
