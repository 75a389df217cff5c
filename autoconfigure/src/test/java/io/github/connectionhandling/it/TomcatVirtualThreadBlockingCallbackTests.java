package io.github.connectionhandling.it;

import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The blocking-callback guarantees with requests on virtual threads, where the callbacks
 * run on virtual threads too.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(classes = { BlockingCallbackApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.threads.virtual.enabled=true", "connection-handling.callbacks.warn-after=200ms" })
class TomcatVirtualThreadBlockingCallbackTests extends AbstractBlockingCallbackTests {

}
