package io.github.connectionhandling.request;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * Reflection hints for the request model: the fields behind {@link RequestHandle}'s var
 * handles, {@code Thread.isVirtual()} ({@link RequestThreads}) and the virtual-thread
 * builder ({@link UserCallbacks}), looked up by name (the starter is built for Java 17).
 */
final class RequestRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.reflection().registerType(RequestHandle.class, (hint) -> {
			for (String field : RequestHandle.VAR_HANDLE_FIELDS) {
				hint.withField(field);
			}
		});
		hints.reflection()
			.registerType(Thread.class,
					(hint) -> hint.withMethod(RequestThreads.IS_VIRTUAL, List.of(), ExecutableMode.INVOKE)
						.withMethod(UserCallbacks.OF_VIRTUAL, List.of(), ExecutableMode.INVOKE));
		hints.reflection()
			.registerType(TypeReference.of(UserCallbacks.BUILDER),
					(hint) -> hint
						.withMethod(UserCallbacks.NAME, List.of(TypeReference.of(String.class), TypeReference.of(long.class)),
								ExecutableMode.INVOKE)
						.withMethod(UserCallbacks.FACTORY, List.of(), ExecutableMode.INVOKE));
	}

}
