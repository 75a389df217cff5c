package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnJetty;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * Apache HttpClient 5 from handlers on virtual threads, on Jetty.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(classes = { OutgoingCallApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
class JettyVirtualThreadHttpComponentsCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return HttpComponentsClientHttpRequestFactoryBuilder.class;
	}

}
