package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { BlockingCallbackApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "connection-handling.callbacks.warn-after=200ms")
class TomcatBlockingCallbackTests extends AbstractBlockingCallbackTests {

}
