package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnJetty;

import org.springframework.boot.http.client.JettyClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The Jetty client, chosen with {@code spring.http.clients.imperative.factory=jetty}, on Jetty.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.http.clients.imperative.factory=jetty")
class JettyJettyClientCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return JettyClientHttpRequestFactoryBuilder.class;
	}

}
