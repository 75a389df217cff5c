package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.http.client.JdkClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The JDK {@code HttpClient} behind {@code RestClient}, chosen with
 * {@code spring.http.clients.imperative.factory=jdk}, on Tomcat.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.http.clients.imperative.factory=jdk")
class TomcatJdkClientCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return JdkClientHttpRequestFactoryBuilder.class;
	}

}
