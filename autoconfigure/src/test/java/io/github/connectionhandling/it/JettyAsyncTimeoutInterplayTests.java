package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { TimeLimitApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = AbstractAsyncTimeoutInterplayTests.MVC_ASYNC_TIMEOUT)
class JettyAsyncTimeoutInterplayTests extends AbstractAsyncTimeoutInterplayTests {

}
