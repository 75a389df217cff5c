package io.github.connectionhandling.it;

import java.time.Duration;

import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Time limits on the CPU clock: sleeping does not count, spinning does.
 */
abstract class AbstractCpuClockTimeLimitTests {

	static final String CPU_CLOCK = "connection-handling.time-limit-clock=cpu";

	private static final Duration WAIT = Duration.ofSeconds(15);

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	void awaitEvent(String tag, String event) {
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events.of(tag)).contains(event));
	}

	@BeforeEach
	void previousRequestsEnded() {
		await().atMost(WAIT).until(this.requests::isEmpty);
	}

	@Test
	void sleepingDoesNotCount() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			// 2 s asleep under a 1 s limit.
			RawHttp.Response response = client.get("/limited/sleep?tag=cpu-sleep&ms=2000").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("done 0");
		}
		awaitEvent("cpu-sleep", "shutdown:0");
		assertThat(this.events.of("cpu-sleep")).contains("slept").doesNotContain("interrupted");
	}

	@Test
	void spinningIsStopped() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			long start = System.nanoTime();
			RawHttp.Response response = client.get("/tl/spin?tag=cpu-spin&ms=20000").readResponse(WAIT);
			System.out.println("cpu spin: answered after " + (System.nanoTime() - start) / 1_000_000 + " ms");
			AbstractTimeLimitTests.assertProblem(response, 503, "/tl/spin", "PT1S");
		}
		awaitEvent("cpu-spin", "shutdown:2");
		assertThat(this.events.of("cpu-spin")).containsSubsequence("started", "spin-interrupted", "shutdown:2");
	}

}
