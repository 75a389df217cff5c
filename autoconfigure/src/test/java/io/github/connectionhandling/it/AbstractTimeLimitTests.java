package io.github.connectionhandling.it;

import java.time.Duration;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.timelimit.TimeLimiter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Time limits on the wall clock, with a global default of 1.2 s and a configured timeout
 * status of 504. Timings are asserted loosely (the machine is shared): what must hold is
 * the order of events (answered before the handler ended) and the limit named in the
 * problem body; the figures go to bench/.
 */
abstract class AbstractTimeLimitTests {

	static final String PROPERTIES = "connection-handling.max-execution-time=1200ms";

	static final String STATUS_PROPERTY = "connection-handling.timeout-status=504";

	static final String PLACEHOLDER_PROPERTY = "tl.placeholder-limit=800ms";

	private static final int STATUS = 504;

	private static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	@Autowired
	TimeLimiter limiter;

	void awaitEvent(String tag, String event) {
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events.of(tag)).contains(event));
	}

	@BeforeEach
	void previousRequestsEnded() {
		// A stubborn handler of an earlier test may still be spinning.
		await().atMost(WAIT).until(this.requests::isEmpty);
	}

	@Test
	void blockingHandlerPastItsLimitIsAnsweredAndInterrupted() throws Exception {
		try (WireRecorder client = WireRecorder.connect(this.port)) {
			long start = System.nanoTime();
			client.get("/limited/sleep?tag=blocking&ms=5000");
			RawHttp.Response response = client.readResponse(WAIT);
			long millis = (System.nanoTime() - start) / 1_000_000;
			System.out.println("blocking: answered after " + millis + " ms");
			assertProblem(response, STATUS, "/limited/sleep", "PT1S");
			assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(millis).isGreaterThanOrEqualTo(950).isLessThan(4500);
			awaitEvent("blocking", "shutdown:2");
			assertThat(this.events.of("blocking")).containsSubsequence("started", "interrupted", "shutdown:2")
				.doesNotContain("slept", "close:2");
		}
	}

	@ParameterizedTest
	@CsvSource({ "/limited/stubborn?tag=swallowing, swallowing, stubborn-done",
			"/tl/busy-late?tag=spinning&ms=2500, spinning, late-written" })
	void handlerIgnoringInterruptionIsAnsweredOnTimeAndItsLateOutputNeverArrives(String path, String tag,
			String lastEvent) throws Exception {
		try (WireRecorder client = WireRecorder.connect(this.port)) {
			client.get(path);
			RawHttp.Response response = client.readResponse(WAIT);
			// Answered while the handler was still running.
			assertThat(this.events.has(tag, lastEvent)).as("handler ended before its client was answered").isFalse();
			assertProblem(response, STATUS, path.substring(0, path.indexOf('?')), "PT1S");
			assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
			// The same connection, if the server still reads it.
			boolean sent = client.get("/status");
			awaitEvent(tag, "shutdown:2");
			assertThat(this.events.has(tag, lastEvent)).isTrue();
			long handlerEnded = System.nanoTime();
			boolean ended = client.drain(() -> System.nanoTime() - handlerEnded > 1_000_000_000L, WAIT);
			System.out.println(tag + ": second request sent=" + sent + ", connection ended=" + ended
					+ ", received afterwards: " + client.unconsumed().replace("\r\n", "|"));
			assertThat(client.all()).doesNotContain("LATE");
			// Connection: close was sent, so nothing else may follow the problem: no second
			// response and no leftovers of the first.
			assertThat(client.unconsumed()).isEmpty();
			assertThat(ended).as("connection closed after Connection: close").isTrue();
		}
	}

	@Test
	void clientLeavingAfterItsTimeoutAnswerIsNotAnAbort() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			assertProblem(client.get("/limited/stubborn?tag=answered-then-left").readResponse(WAIT), STATUS,
					"/limited/stubborn", "PT1S");
		}
		// The handler keeps running past the close; the client had its answer.
		awaitEvent("answered-then-left", "stubborn-done");
		awaitEvent("answered-then-left", "shutdown:2");
		assertThat(this.events.of("answered-then-left")).noneMatch((event) -> event.startsWith("close:"));
	}

	@Test
	void clientLeavingRightAfterACompleteResponseIsNotAnAbort() throws Exception {
		for (int i = 0; i < 5; i++) {
			String tag = "complete-" + i;
			try (RawHttp client = RawHttp.connect(this.port)) {
				RawHttp.Response response = client.get("/limited/sleep?ms=100&tag=" + tag).readResponse(WAIT);
				assertThat(response.body()).isEqualTo("done 0");
			}
			awaitEvent(tag, "shutdown:0");
			assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:"));
		}
	}

	@Test
	void setTimeLimitRestartsTheClock() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/restart?tag=restart").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("finished 0");
		}
		awaitEvent("restart", "shutdown:0");
		assertThat(this.events.of("restart")).containsSubsequence("slept", "restarted", "slept", "shutdown:0");
		// Without the restart the same 1.4 s does not fit in 1 s.
		try (RawHttp client = RawHttp.connect(this.port)) {
			assertProblem(client.get("/limited/sleep?tag=no-restart&ms=1400").readResponse(WAIT), STATUS,
					"/limited/sleep", "PT1S");
		}
	}

	@Test
	void zeroDisablesTheLimit() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/unlimited?tag=zero&ms=1500").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("finished 0 PT0S");
		}
		try (RawHttp client = RawHttp.connect(this.port)) {
			// @TimeLimit("0") on the method beats the class's 600 ms.
			RawHttp.Response response = client.get("/tlc/zero?tag=class-zero&ms=1400").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("finished 0 PT0S");
		}
	}

	@Test
	void classLimitAppliesUnlessTheMethodHasItsOwn() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			assertProblem(client.get("/tlc/class?tag=class").readResponse(WAIT), STATUS, "/tlc/class", "PT0.6S");
		}
		awaitEvent("class", "shutdown:2");
		assertThat(this.events.of("class")).containsSubsequence("limit:PT0.6S", "interrupted", "shutdown:2");
		try (RawHttp client = RawHttp.connect(this.port)) {
			// 1.4 s: longer than the class's limit and the global default, shorter than the method's.
			RawHttp.Response response = client.get("/tlc/method?tag=method&ms=1400").readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("finished 0 PT3S");
		}
	}

	@Test
	void globalDefaultAppliesWithoutAnnotation() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			assertProblem(client.get("/tl/default?tag=default").readResponse(WAIT), STATUS, "/tl/default", "PT1.2S");
		}
		awaitEvent("default", "shutdown:2");
		assertThat(this.events.of("default")).containsSubsequence("limit:PT1.2S", "interrupted", "shutdown:2");
	}

	@Test
	void placeholderInTimeLimitIsResolved() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			assertProblem(client.get("/tl/placeholder?tag=placeholder").readResponse(WAIT), STATUS,
					"/tl/placeholder", "PT0.8S");
		}
		awaitEvent("placeholder", "shutdown:2");
	}

	@Test
	void deferredResultPastItsLimitIsAnsweredAndItsCallbacksFire() throws Exception {
		try (WireRecorder client = WireRecorder.connect(this.port)) {
			long start = System.nanoTime();
			client.get("/tl/deferred?tag=deferred");
			RawHttp.Response response = client.readResponse(WAIT);
			System.out.println("deferred: answered after " + (System.nanoTime() - start) / 1_000_000 + " ms");
			assertProblem(response, STATUS, "/tl/deferred", "PT1S");
			awaitEvent("deferred", "shutdown:2");
			assertThat(this.events.of("deferred")).contains("error-callback", "completion-callback")
				.doesNotContain("timeout-callback");
			// The application completes it later: too late, and it goes nowhere.
			awaitEvent("deferred", "late-set:false");
			client.drain(() -> false, Duration.ofMillis(300));
			assertThat(client.all()).doesNotContain("LATE");
			assertThat(client.unconsumed()).isEmpty();
		}
	}

	@Test
	void callablePastItsLimitIsAnsweredAndInterrupted() throws Exception {
		try (WireRecorder client = WireRecorder.connect(this.port)) {
			client.get("/tl/callable?tag=callable");
			assertProblem(client.readResponse(WAIT), STATUS, "/tl/callable", "PT1S");
			awaitEvent("callable", "shutdown:2");
			assertThat(this.events.of("callable")).contains("callable-thread-bound=true", "interrupted")
				.doesNotContain("slept");
			client.drain(() -> false, Duration.ofMillis(300));
			assertThat(client.all()).doesNotContain("callable-result");
		}
	}

	@Test
	void sseStreamPastItsLimitIsClosed() throws Exception {
		try (WireRecorder client = WireRecorder.connect(this.port)) {
			client.get("/tl/sse?tag=sse");
			client.drain(() -> client.all().contains("data:first"), WAIT);
			assertThat(client.all()).startsWith("HTTP/1.1 200").contains("data:first");
			boolean ended = client.drain(() -> false, WAIT);
			assertThat(ended).as("stream closed").isTrue();
			assertThat(client.all()).doesNotContain("problem");
			awaitEvent("sse", "shutdown:2");
			assertThat(this.events.of("sse")).contains("completion-callback");
		}
	}

	@Test
	void ignoredAbortThenTimeoutEndsWithBothBits() throws Exception {
		RawHttp client = RawHttp.connect(this.port).get("/tl/ignoring?tag=both");
		awaitEvent("both", "started");
		Thread.sleep(200);
		client.close();
		awaitEvent("both", "shutdown:3");
		// The close callback runs on another thread: it may come before or after the
		// handler notices the abort, but both come before the timeout stops the work.
		assertThat(this.events.of("both")).containsSubsequence("started", "working-after-abort", "interrupted:3",
				"shutdown:3");
		assertThat(this.events.of("both")).containsSubsequence("close:1", "interrupted:3");
	}

	@Test
	void requestThatEndsBeforeItsLimitLeavesNoTimer() throws Exception {
		await().atMost(WAIT).until(() -> this.limiter.armedCount() == 0);
		try (RawHttp slow = RawHttp.connect(this.port); RawHttp fast = RawHttp.connect(this.port)) {
			slow.get("/tl/restart?tag=armed&ms=300");
			awaitEvent("armed", "started");
			assertThat(this.limiter.armedCount()).isEqualTo(1);
			for (int i = 0; i < 50; i++) {
				RawHttp.Response response = fast.get("/tl/fast").readResponse(WAIT);
				assertThat(response.body()).isEqualTo("fast 0");
			}
			assertThat(slow.readResponse(WAIT).body()).isEqualTo("finished 0");
		}
		await().atMost(WAIT).until(() -> this.limiter.armedCount() == 0);
	}

	static void assertProblem(RawHttp.Response response, int status, String instance, String limit) {
		assertThat(response.status()).as(response.headers() + response.body()).isEqualTo(status);
		assertThat(response.header("Content-Type")).startsWith("application/problem+json");
		DocumentContext json = JsonPath.parse(response.body());
		assertThat(json.read("$.status", Integer.class)).isEqualTo(status);
		assertThat(json.read("$.title", String.class)).isEqualTo(HttpStatus.valueOf(status).getReasonPhrase());
		assertThat(json.read("$.detail", String.class)).contains("time limit of " + limit);
		assertThat(json.read("$.instance", String.class)).isEqualTo(instance);
	}

}
