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
 * With {@code spring.mvc.async.request-timeout=300ms}, the starter's limit governs async
 * requests: MVC's (and the container's) async timeout is switched off, unless the
 * application gave the async result a timeout of its own.
 */
abstract class AbstractAsyncTimeoutInterplayTests {

	static final String MVC_ASYNC_TIMEOUT = "spring.mvc.async.request-timeout=300ms";

	private static final Duration WAIT = Duration.ofSeconds(10);

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
	void timeLimitGovernsDeferredResultWithoutItsOwnTimeout() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			long start = System.nanoTime();
			RawHttp.Response response = client.get("/tl/deferred-long?tag=governed").readResponse(WAIT);
			long millis = (System.nanoTime() - start) / 1_000_000;
			System.out.println("deferred under mvc async timeout 300ms, limit 1.5s: answered after " + millis + " ms");
			// The starter's problem (not MVC's AsyncRequestTimeoutException), after 1.5 s.
			AbstractTimeLimitTests.assertProblem(response, 503, "/tl/deferred-long", "PT1.5S");
			assertThat(millis).isGreaterThanOrEqualTo(1450);
		}
		awaitEvent("governed", "shutdown:2");
		assertThat(this.events.of("governed")).contains("error-callback", "completion-callback")
			.doesNotContain("timeout-callback");
	}

	@Test
	void deferredResultKeepsItsOwnShorterTimeout() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/deferred-own?tag=own&timeout=300").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("own timeout");
		}
		awaitEvent("own", "shutdown:0");
		assertThat(this.events.of("own")).contains("timeout-callback", "completion-callback");
	}

	@Test
	void shorterTimeLimitBeatsTheDeferredResultsOwnTimeout() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/deferred-own?tag=own-longer&timeout=5000").readResponse(WAIT);
			AbstractTimeLimitTests.assertProblem(response, 503, "/tl/deferred-own", "PT1.5S");
		}
		awaitEvent("own-longer", "shutdown:2");
		assertThat(this.events.of("own-longer")).doesNotContain("timeout-callback");
	}

	@Test
	void callableLongerThanTheMvcAsyncTimeoutCompletes() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/callable-long?tag=callable-2s&ms=2000").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("callable-result 0");
		}
		awaitEvent("callable-2s", "shutdown:0");
	}

}
