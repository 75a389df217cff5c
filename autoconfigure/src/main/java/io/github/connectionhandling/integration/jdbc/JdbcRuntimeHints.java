package io.github.connectionhandling.integration.jdbc;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Hints for the JDK proxies that cancel statements ({@link StatementCancellation}): each
 * proxy class, and the interface methods its handler invokes on the driver's object by
 * reflection. The data sources' own proxies depend on their classes: see
 * {@link CancellingDataSourceAotProcessor}.
 */
final class JdbcRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		for (Class<?> type : StatementCancellation.PROXY_INTERFACES) {
			hints.proxies().registerJdkProxy(type);
			hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

}
