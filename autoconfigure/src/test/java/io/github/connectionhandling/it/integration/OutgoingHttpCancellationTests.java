package io.github.connectionhandling.it.integration;

import java.time.Duration;
import java.util.Optional;

import io.github.connectionhandling.it.Events;
import io.github.connectionhandling.it.OnTomcat;
import io.github.connectionhandling.it.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.JettyClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An outgoing call made through the auto-configured {@code RestClient.Builder} or
 * {@code RestTemplateBuilder} is aborted when the request it is made for loses its client:
 * the caller gets a {@code RequestStoppedException} and the callee (an endpoint of the
 * same server, itself under connection handling) sees its own client, the outgoing
 * connection, go away.
 */
@SpringBootTest(classes = { IntegrationApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class OutgoingHttpCancellationTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder;

	@Test
	void defaultClientIsJetty() {
		// Spring Boot prefers the Jetty client when it is on the class path, as here.
		assertThat(this.requestFactoryBuilder).isInstanceOf(JettyClientHttpRequestFactoryBuilder.class);
	}

	@ParameterizedTest
	@CsvSource({ "jdk, restclient", "jdk, resttemplate", "default, restclient", "default, resttemplate" })
	void outgoingCallIsAbortedWhenClientCloses(String client, String via) throws Exception {
		String tag = "http-" + client + "-" + via;
		String callee = tag + "-callee";
		RawHttp raw = RawHttp.connect(this.port)
			.get("/http/call?tag=" + tag + "&port=" + this.port + "&client=" + client + "&via=" + via);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(callee, "callee-started"));
		Thread.sleep(100);
		long closed = System.nanoTime();
		raw.close();
		String outcome = await().atMost(Duration.ofSeconds(15))
			.until(() -> outcome(tag), Optional::isPresent)
			.orElseThrow();
		await().atMost(Duration.ofSeconds(15)).until(() -> this.events.has(callee, "callee-closed"));
		System.out.printf("%s: %s, caller stopped %.1f ms and callee saw its client go %.1f ms after the close%n",
				getClass().getSimpleName(), outcome, (this.events.nanosOf(tag, outcome) - closed) / 1e6,
				(this.events.nanosOf(callee, "callee-closed") - closed) / 1e6);
		assertThat(outcome).startsWith("stopped:1:");
	}

	private Optional<String> outcome(String tag) {
		return this.events.of(tag)
			.stream()
			.filter((e) -> e.equals("done") || e.startsWith("stopped:") || e.startsWith("failed:"))
			.findFirst();
	}

}
