package io.github.connectionhandling.it;

import java.time.Duration;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The lifecycle of requests that complete normally, for every return type, on a real
 * Tomcat: injection and {@code current()} agree, shutdown functions run once each, in
 * order, isolated from one that throws, and the registry is empty afterwards.
 */
@SpringBootTest(classes = { LifecycleApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class LifecycleTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	@ParameterizedTest
	@ValueSource(strings = { "blocking", "deferred", "callable", "webasynctask", "future", "sse", "emitter",
			"streaming" })
	void shutdownFunctionsRunOnceInOrderAfterTheWork(String type) throws Exception {
		String tag = "lifecycle-" + type;
		try (RawHttp client = RawHttp.connect(this.port)) {
			// The whole response, then the server closes: nothing here is an abort.
			client.send("GET /lifecycle/" + type + "?tag=" + tag + " HTTP/1.1\r\nHost: localhost\r\n"
					+ "Connection: close\r\n\r\n");
			assertThat(client.readToEnd()).startsWith("HTTP/1.1 200");
		}
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.events.of(tag)).contains("shutdown-3:0"));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.requests.isEmpty());
		assertThat(this.events.of(tag)).filteredOn((e) -> e.startsWith("shutdown"))
			.containsExactly("shutdown-1:0", "shutdown-3:0");
		assertThat(this.events.of(tag)).contains("same=true");
		assertThat(this.events.of(tag)).noneMatch((e) -> e.endsWith("current=false"));
		// Nothing runs twice, even later.
		Thread.sleep(200);
		assertThat(this.events.count(tag, "shutdown-1:0")).isOne();
	}

	@Test
	void currentIsBoundOnAsyncThreads() throws Exception {
		for (String type : new String[] { "callable", "webasynctask", "streaming", "deferred" }) {
			String tag = "current-" + type;
			try (RawHttp client = RawHttp.connect(this.port)) {
				client.send("GET /lifecycle/" + type + "?tag=" + tag + " HTTP/1.1\r\nHost: localhost\r\n"
						+ "Connection: close\r\n\r\n")
					.readToEnd();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "shutdown-3:0"));
			assertThat(this.events.of(tag)).as(type).anyMatch((e) -> e.endsWith("current=true"));
		}
	}

	@Test
	void currentOutsideARequestExplainsItself() {
		assertThatIllegalStateException().isThrownBy(ConnectionStatus::current)
			.withMessageContaining("works for no HTTP request");
	}

	@Test
	void completedCountsAddUp() throws Exception {
		long before = this.requests.totals().normal();
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/lifecycle/blocking?tag=count").readResponse(Duration.ofSeconds(5));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.requests.totals().normal() > before);
		InFlightRequests.Totals totals = this.requests.totals();
		assertThat(totals.completed()).isGreaterThanOrEqualTo(totals.normal());
	}

}
