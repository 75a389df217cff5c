package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.Events;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code RestClient} or {@code RestTemplate} call made through Spring Boot's builders
 * with the HTTP client Boot picked is aborted when its request loses its client, whether it
 * waits for the response head or reads the body: the upstream sees its connection close
 * the caller gets a {@code RequestStoppedException}, and the next call through the same
 * client (whose pool holds one connection) succeeds.
 */
abstract class AbstractRestClientCancellationTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder;

	OutgoingCalls calls;

	/**
	 * The request factory builder Spring Boot is expected to use here.
	 */
	abstract Class<?> expectedRequestFactoryBuilder();

	@BeforeEach
	void calls() {
		this.calls = new OutgoingCalls(this.port, this.events);
	}

	@Test
	void bootUsesTheExpectedClient() {
		assertThat(this.requestFactoryBuilder).isInstanceOf(expectedRequestFactoryBuilder());
	}

	@ParameterizedTest
	@CsvSource({ "restclient, slow", "restclient, slow-body", "resttemplate, slow", "resttemplate, slow-body" })
	void callIsAbortedWhenClientCloses(String client, String path) throws Exception {
		String tag = getClass().getSimpleName() + "-" + client + "-" + path;
		String outcome = this.calls.abort("/out/call?tag=" + tag + "&client=" + client + "&path=" + path, tag);
		assertThat(outcome).startsWith("stopped:1:");
		this.calls.assertNextCallSucceeds(client);
	}

	/**
	 * Bench only ({@code bench/client-abort-latency.sh}).
	 * @throws Exception if a round failed
	 */
	@Test
	void benchAbortLatency() throws Exception {
		String name = expectedRequestFactoryBuilder().getSimpleName().replace("ClientHttpRequestFactoryBuilder", "");
		this.calls.bench("RestClient-" + name, "/out/call?client=restclient&path=slow");
	}

}
