package io.github.connectionhandling.request;

import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * {@link UserCallbacksTests} with virtual runner threads (Java 21+; the build runs it on
 * Temurin 25 where installed).
 */
@EnabledForJreRange(min = JRE.JAVA_21)
class UserCallbacksVirtualThreadTests extends UserCallbacksTests {

	@Override
	boolean preferVirtual() {
		return true;
	}

}
