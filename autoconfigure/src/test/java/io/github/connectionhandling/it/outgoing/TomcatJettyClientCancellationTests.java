package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.http.client.JettyClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The Jetty client, chosen with {@code spring.http.clients.imperative.factory=jetty}, on Tomcat.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.http.clients.imperative.factory=jetty")
class TomcatJettyClientCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return JettyClientHttpRequestFactoryBuilder.class;
	}

}
