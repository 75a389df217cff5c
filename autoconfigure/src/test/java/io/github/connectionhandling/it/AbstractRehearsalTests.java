package io.github.connectionhandling.it;

import java.time.Duration;

import io.github.connectionhandling.detection.DisconnectDetector;
import io.github.connectionhandling.request.InFlightRequests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The detector's start-up rehearsal on a running server: it runs once the server is up,
 * sees every loopback departure, and the application sees none of them (no request in
 * the registry or the totals, no meter moved).
 */
abstract class AbstractRehearsalTests {

	/** Its own context: a cached one would have served other tests' requests. */
	static final String PROPERTIES = "management.endpoints.web.exposure.include=connections";

	static final String REHEARSE = "connection-handling.abort-detection.rehearse=true";

	@LocalServerPort
	int port;

	@Autowired
	DisconnectDetector detector;

	@Autowired
	InFlightRequests requests;

	@Autowired
	MeterRegistry registry;

	@Test
	void rehearsalRunsOnceTheServerIsUpAndTheApplicationSeesNoneOfIt() {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.detector.rehearsal())
				.matches("(\\d+) of \\1 loopback departures seen in \\d+ ms"));
		assertThat(this.requests.all()).isEmpty();
		JsonNode totals = new Actuator(this.port).connections().get("totals");
		// Only what this test asked: nothing the rehearsal did is counted.
		assertThat(totals.get("completed").asLong()).isZero();
		assertThat(totals.get("aborted").asLong()).isZero();
		for (Counter counter : this.registry.find("connection.handling.requests.aborted").counters()) {
			assertThat(counter.count()).as(counter.getId().toString()).isZero();
		}
		assertThat(this.registry.find("connection.handling.abort.callbacks").timers()).allMatch((t) -> t.count() == 0);
	}

}
