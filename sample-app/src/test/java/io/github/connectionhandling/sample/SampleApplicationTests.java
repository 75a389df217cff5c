package io.github.connectionhandling.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The PHP page of the sample app behaves as its README section says.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class SampleApplicationTests {

	@Autowired
	RestTestClient client;

	@Test
	void statusIsNormal() {
		this.client.get().uri("/status").exchange().expectStatus().isOk().expectBody(String.class)
			.isEqualTo("connection_status() = 0\n");
	}

	@Test
	void slowEndpointIsAnsweredWithTheTimeoutProblem() {
		this.client.get().uri("/php/slow").exchange()
			.expectStatus().isEqualTo(503)
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status").isEqualTo(503)
			.jsonPath("$.instance").isEqualTo("/php/slow")
			.jsonPath("$.detail").value((detail) -> org.assertj.core.api.Assertions.assertThat((String) detail).contains("PT2S"));
	}

	@Test
	void restartingTheLimitLetsStepsFinish() {
		this.client.get().uri("/php/steps").exchange().expectStatus().isOk();
	}

	@Test
	void busyLoopIsStopped() {
		this.client.get().uri("/php/busy").exchange().expectStatus().isEqualTo(503);
	}

	@Test
	void sleepingCountsOnTheWallClock() {
		this.client.get().uri("/php/sleepy?seconds=2").exchange().expectStatus().isEqualTo(503);
	}

}
