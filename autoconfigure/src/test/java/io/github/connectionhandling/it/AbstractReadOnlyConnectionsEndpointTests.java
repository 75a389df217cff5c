package io.github.connectionhandling.it;

import java.time.Duration;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /actuator/connections} with its default access, read-only: listing works,
 * aborting does not.
 */
abstract class AbstractReadOnlyConnectionsEndpointTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	@Test
	void deleteIsRejectedAndTheRequestRunsOn() throws Exception {
		Actuator actuator = new Actuator(this.port);
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=read-only&ms=1500");
			await().atMost(WAIT).until(() -> this.events.has("read-only", "started"));
			RequestHandle handle = this.requests.all()
				.stream()
				.filter((candidate) -> String.valueOf(candidate.getInfo().query()).startsWith("tag=read-only"))
				.findFirst()
				.orElseThrow();
			assertThat(actuator.get(handle.getId()).status()).isEqualTo(200);
			// Boot leaves the DELETE operation out when access is read-only: the path is
			// mapped for GET only, so Spring MVC answers 405.
			assertThat(actuator.delete(handle.getId()).status()).isEqualTo(405);
			assertThat(actuator.delete("unknown").status()).isEqualTo(405);
			assertThat(handle.bits()).isEqualTo(ConnectionStatus.NORMAL);
			RawHttp.Response response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("done 0");
			// Closed only once the request has ended: a client closing between the response
			// and the request's end is a separate matter.
			await().atMost(WAIT)
				.until(() -> this.events.of("read-only").stream().anyMatch((e) -> e.startsWith("shutdown:")));
		}
		assertThat(this.events.of("read-only")).containsExactly("started", "slept", "shutdown:0");
	}

}
