package io.github.connectionhandling.it;

import java.time.Duration;

import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(classes = { ScenarioApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class AbortSmokeTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	@Test
	void blockingHandlerIsInterruptedWhenClientCloses() throws Exception {
		RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=smoke");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.events.has("smoke", "started"));
		Thread.sleep(100);
		long closed = System.nanoTime();
		client.close();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.events.has("smoke", "interrupted"));
		System.out.println("events " + this.events.of("smoke") + " latency ms "
				+ (this.events.nanosOf("smoke", "interrupted") - closed) / 1e6);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.requests.isEmpty());
		assertThat(this.events.of("smoke")).contains("shutdown:1");
		await().atMost(Duration.ofSeconds(5)).until(() -> TcpStates.closeWait(this.port) == 0);
	}

	@Test
	void statusIsInjected() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/status").readResponse(Duration.ofSeconds(5));
			assertThat(response.body()).startsWith("bits=0 same=true interrupted=false");
		}
	}

}
