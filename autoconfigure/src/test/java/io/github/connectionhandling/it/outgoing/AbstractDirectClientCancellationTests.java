package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.Events;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code WebClient} built from Spring Boot's {@code WebClient.Builder} (on Reactor
 * Netty, with a pool of one connection), used with {@code block()} in a blocking handler
 * or returned as a {@code Mono}, and the JDK {@code HttpClient} used directly in a blocking
 * handler ({@code send}, and {@code sendAsync} whose interrupted wait cancels the future):
 * when the request loses its client, the upstream sees its connection close and the next
 * call through the same client succeeds.
 */
abstract class AbstractDirectClientCancellationTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	OutgoingCalls calls;

	@BeforeEach
	void calls() {
		this.calls = new OutgoingCalls(this.port, this.events);
	}

	@ParameterizedTest
	@ValueSource(strings = { "slow", "slow-body" })
	void blockedWebClientCallIsCancelledWhenClientCloses(String path) throws Exception {
		String tag = getClass().getSimpleName() + "-webclient-" + path;
		String outcome = this.calls.abort("/out/call?tag=" + tag + "&client=webclient&path=" + path, tag);
		// The interrupt of the handler's thread and the filter's cancellation race: block()
		// fails with either (Reactor wraps the InterruptedException).
		assertThat(outcome).isIn("stopped:1:none", "failed:ReactiveException");
		this.calls.assertNextCallSucceeds("webclient");
	}

	@ParameterizedTest
	@ValueSource(strings = { "slow", "slow-body" })
	void returnedWebClientMonoIsCancelledWhenClientCloses(String path) throws Exception {
		String tag = getClass().getSimpleName() + "-mono-" + path;
		String outcome = this.calls.abort("/out/mono?tag=" + tag + "&path=" + path, tag);
		assertThat(outcome).isIn("stopped:1:none", "cancelled");
		this.calls.assertNextCallSucceeds("webclient");
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdk-send", "jdk-async" })
	void jdkHttpClientCallIsCancelledWhenClientCloses(String client) throws Exception {
		for (String path : new String[] { "slow", "slow-body" }) {
			String tag = getClass().getSimpleName() + "-" + client + "-" + path;
			String outcome = this.calls.abort("/out/call?tag=" + tag + "&client=" + client + "&path=" + path, tag);
			assertThat(outcome).isEqualTo("failed:InterruptedException");
			this.calls.assertNextCallSucceeds(client);
		}
	}

	/**
	 * Bench only ({@code bench/client-abort-latency.sh}).
	 * @throws Exception if a round failed
	 */
	@Test
	void benchAbortLatency() throws Exception {
		this.calls.bench("WebClient-ReactorNetty", "/out/call?client=webclient&path=slow");
	}

}
