package io.github.connectionhandling.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /actuator/connections} on a running server, with aborts allowed
 * ({@code access=unrestricted}): what it lists, aborting by id, the meters after real
 * aborts and timeouts, and a real orphan counted then reaped.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractConnectionsEndpointTests {

	static final String PROPERTIES = "management.endpoints.web.exposure.include=connections";

	static final String UNRESTRICTED = "management.endpoint.connections.access=unrestricted";

	/** Long enough that a test polling the endpoint sees an orphan before it is reaped. */
	static final String REAPER = "connection-handling.orphans.interval=2s";

	private static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	@Autowired
	MeterRegistry registry;

	Actuator actuator() {
		return new Actuator(this.port);
	}

	@Test
	void requestInFlightIsListedWithItsFieldsAndFoundById() throws Exception {
		Actuator actuator = actuator();
		assertThat(Actuator.find(actuator.connections(), "/sleep")).isNull();
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=listed&secret=s3cr3t");
			await().atMost(WAIT).until(() -> this.events.has("listed", "started"));
			JsonNode all = actuator.connections();
			assertThat(all.get("open").asInt()).isGreaterThanOrEqualTo(2);
			assertThat(all.get("active").asInt()).isGreaterThanOrEqualTo(2);
			assertThat(all.get("orphaned").asInt()).isZero();
			assertThat(all.get("totals").propertyNames()).containsExactlyInAnyOrder("completed", "normal", "aborted",
					"timedOut", "reaped");
			// The actuator's own request is in flight too.
			assertThat(Actuator.find(all, "/actuator/connections")).isNotNull();
			JsonNode request = Actuator.find(all, "/sleep");
			assertThat(request).isNotNull();
			assertThat(request.get("method").asString()).isEqualTo("GET");
			assertThat(request.get("status").asInt()).isZero();
			assertThat(request.get("aborted").asBoolean()).isFalse();
			assertThat(request.get("timedOut").asBoolean()).isFalse();
			assertThat(request.get("userAbortIgnored").asBoolean()).isFalse();
			assertThat(Instant.parse(request.get("startedAt").asString())).isBefore(Instant.now());
			assertThat(Duration.parse(request.get("elapsed").asString())).isPositive();
			assertThat(request.get("timeLimit").asString()).isEqualTo("PT30S");
			assertThat(request.get("handler").asString()).contains("ScenarioController").contains("sleep");
			assertThat(request.get("threads")).hasSize(1);
			assertThat(request.get("protocol").asString()).isEqualTo("HTTP/1.1");
			// show-values defaults to never.
			assertThat(request.has("remoteAddress")).isFalse();
			assertThat(request.has("query")).isFalse();
			assertThat(all.toString()).doesNotContain("s3cr3t").doesNotContain("127.0.0.1:" + client.localPort());

			String id = request.get("id").asString();
			Actuator.Response one = actuator.get(id);
			assertThat(one.status()).isEqualTo(200);
			assertThat(one.json().get("id").asString()).isEqualTo(id);
			assertThat(one.json().get("uri").asString()).isEqualTo("/sleep");
			assertThat(one.json().has("query")).isFalse();
		}
		await().atMost(WAIT).until(() -> this.events.has("listed", "shutdown:1"));
		assertThat(Actuator.find(actuator.connections(), "/sleep")).isNull();
	}

	@Test
	void unknownAndMalformedIdsAreNotFound() {
		Actuator actuator = actuator();
		for (String id : List.of("zzzzzz", "0", "-1", "not%20an%20id", "%3Cscript%3E", "a".repeat(300))) {
			assertThat(actuator.get(id).status()).as("GET %s", id).isEqualTo(404);
			assertThat(actuator.delete(id).status()).as("DELETE %s", id).isEqualTo(404);
		}
		// Ambiguous paths: the container may refuse them itself (Jetty answers 400 and
		// closes the connection), but never a server error. A client per request: a pooled
		// connection that Jetty is closing after its 400 could be reused and read as EOF.
		for (String id : List.of("%2e%2e", "a%2Fb", "%00")) {
			assertThat(actuator().get(id).status()).as("GET %s", id).isBetween(400, 499);
			assertThat(actuator().delete(id).status()).as("DELETE %s", id).isBetween(400, 499);
		}
	}

	@Test
	void deleteAbortsTheRequestLikeAClientThatLeft() throws Exception {
		Actuator actuator = actuator();
		double before = aborted("actuator");
		long abortedBefore = actuator.connections().get("totals").get("aborted").asLong();
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=deleted");
			await().atMost(WAIT).until(() -> this.events.has("deleted", "started"));
			String id = idOf("deleted");
			Actuator.Response response = actuator.delete(id);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.json().get("aborted").asBoolean()).isTrue();
			assertThat(response.json().get("status").asInt()).isEqualTo(1);
			await().atMost(WAIT).until(() -> this.events.has("deleted", "shutdown:1"));
			assertThat(this.events.of("deleted")).contains("interrupted")
				.anyMatch((event) -> event.startsWith("close:1:"));
			// The client is gone as far as the request knows: its output is not sent.
			assertThat(client.readToEnd()).doesNotContain("done");
			assertThat(actuator.delete(id).status()).isEqualTo(404);
			assertThat(actuator.get(id).status()).isEqualTo(404);
		}
		assertThat(aborted("actuator")).isEqualTo(before + 1);
		assertThat(actuator.connections().get("totals").get("aborted").asLong()).isEqualTo(abortedBefore + 1);
	}

	@Test
	void clientAbortMovesTheCounters() throws Exception {
		Actuator actuator = actuator();
		double before = aborted("client");
		long timed = abortCallbacks("client");
		long abortedBefore = actuator.connections().get("totals").get("aborted").asLong();
		RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=client-abort");
		await().atMost(WAIT).until(() -> this.events.has("client-abort", "started"));
		client.close();
		await().atMost(WAIT).until(() -> this.events.has("client-abort", "shutdown:1"));
		await().atMost(WAIT).until(() -> aborted("client") == before + 1);
		await().atMost(WAIT).until(() -> abortCallbacks("client") == timed + 1);
		assertThat(actuator.connections().get("totals").get("aborted").asLong()).isEqualTo(abortedBefore + 1);
	}

	@Test
	void timeoutMovesTheCounters() throws Exception {
		Actuator actuator = actuator();
		double before = this.registry.get("connection.handling.requests.timed.out").counter().count();
		long timedOutBefore = actuator.connections().get("totals").get("timedOut").asLong();
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/limited/sleep?tag=timeout").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(503);
		}
		await().atMost(WAIT).until(() -> this.events.has("timeout", "shutdown:2"));
		assertThat(this.registry.get("connection.handling.requests.timed.out").counter().count()).isEqualTo(before + 1);
		assertThat(actuator.connections().get("totals").get("timedOut").asLong()).isEqualTo(timedOutBefore + 1);
	}

	@Test
	void orphanIsCountedThenReaped(CapturedOutput output) throws Exception {
		Actuator actuator = actuator();
		long reapedBefore = actuator.connections().get("totals").get("reaped").asLong();
		RawHttp client = RawHttp.connect(this.port);
		client.send("GET /upgrade-and-forget HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
				+ "Upgrade: forgetful\r\n\r\n");
		assertThat(client.readUntil("\r\n\r\n", WAIT)).startsWith("HTTP/1.1 101");
		// Upgraded: the container holds the connection, no request is in flight for it.
		await().atMost(WAIT).until(() -> this.requests.all()
			.stream()
			.noneMatch((handle) -> handle.getInfo().uri().equals("/upgrade-and-forget")));
		assertThat(actuator.connections().get("orphaned").asInt()).isZero();
		int clientPort = client.localPort();
		client.close();
		List<Integer> seen = new ArrayList<>();
		await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
			int orphaned = actuator.connections().get("orphaned").asInt();
			seen.add(orphaned);
			return orphaned == 1;
		});
		assertThat(TcpStates.closeWait(this.port)).isOne();
		assertThat(this.registry.get("connection.handling.connections.orphaned").gauge().value()).isOne();
		await().atMost(WAIT)
			.until(() -> actuator.connections().get("totals").get("reaped").asLong() == reapedBefore + 1);
		assertThat(actuator.connections().get("orphaned").asInt()).isZero();
		await().atMost(WAIT).until(() -> TcpStates.closeWait(this.port) == 0);
		assertThat(this.registry.get("connection.handling.connections.reaped").functionCounter().count())
			.isEqualTo(reapedBefore + 1);
		assertThat(output).contains("Closed orphaned connection from /127.0.0.1:" + clientPort);
	}

	String idOf(String tag) {
		return this.requests.all()
			.stream()
			.filter((handle) -> ("tag=" + tag).equals(handle.getInfo().query()))
			.map(RequestHandle::getId)
			.findFirst()
			.orElseThrow();
	}

	double aborted(String reason) {
		return this.registry.get("connection.handling.requests.aborted").tag("reason", reason).counter().count();
	}

	long abortCallbacks(String reason) {
		return this.registry.get("connection.handling.abort.callbacks").tag("reason", reason).timer().count();
	}

}
