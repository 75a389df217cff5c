package io.github.connectionhandling.it;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The actuator on a port of its own ({@code management.server.port}), as the README
 * suggests: {@code /actuator/connections} there lists and aborts the application's
 * requests, and counts the application's connections only, not those of the actuator's
 * own callers, whose requests no filter of the starter sees.
 */
abstract class AbstractManagementPortTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	Events events;

	@Test
	void endpointOnTheManagementPortSeesAndAbortsTheApplicationsRequestsOnly() throws Exception {
		assertThat(this.managementPort).isNotEqualTo(this.port);
		Actuator actuator = new Actuator(this.managementPort);
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=managed");
			await().atMost(WAIT).until(() -> this.events.has("managed", "started"));
			// The actuator's caller holds a connection to the management server while it
			// asks: the count is the application's one client all the same.
			await().atMost(WAIT).untilAsserted(() -> {
				JsonNode all = actuator.connections();
				assertThat(all.get("open").asInt()).as("open").isEqualTo(1);
				assertThat(all.get("active").asInt()).as("active").isEqualTo(1);
				assertThat(all.get("orphaned").asInt()).as("orphaned").isZero();
			});
			JsonNode all = actuator.connections();
			assertThat(Actuator.find(all, "/actuator/connections")).isNull();
			JsonNode request = Actuator.find(all, "/sleep");
			assertThat(request).isNotNull();
			Actuator.Response deleted = actuator.delete(request.get("id").asString());
			assertThat(deleted.status()).isEqualTo(200);
			assertThat(deleted.json().get("aborted").asBoolean()).isTrue();
			await().atMost(WAIT).until(() -> this.events.has("managed", "shutdown:1"));
			assertThat(this.events.of("managed")).contains("interrupted");
		}
		await().atMost(WAIT).untilAsserted(() -> {
			JsonNode all = actuator.connections();
			assertThat(all.get("open").asInt()).as("open").isZero();
			assertThat(all.get("active").asInt()).as("active").isZero();
		});
		// The application's dispatcher has no actuator mappings to check at all.
		assertThat(new Actuator(this.port).call("GET", "").status()).isEqualTo(404);
	}

}
