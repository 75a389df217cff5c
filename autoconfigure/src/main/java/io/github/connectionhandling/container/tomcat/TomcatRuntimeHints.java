package io.github.connectionhandling.container.tomcat;

import java.util.List;

import io.github.connectionhandling.container.tomcat.TomcatInternals.Member;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.util.ClassUtils;

/**
 * Reflection hints for the Tomcat members the adapter reads ({@link TomcatInternals}),
 * for applications that run on Tomcat: a native image keeps no private member that no
 * hint names.
 */
final class TomcatRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		for (Member member : TomcatInternals.MEMBERS) {
			if (!ClassUtils.isPresent(member.className(), classLoader)) {
				continue;
			}
			TypeReference type = TypeReference.of(member.className());
			if (member.isMethod()) {
				hints.reflection()
					.registerType(type, (hint) -> hint.withMethod(member.name(), List.of(), ExecutableMode.INVOKE));
			}
			else {
				hints.reflection().registerType(type, (hint) -> hint.withField(member.name()));
			}
		}
	}

}
