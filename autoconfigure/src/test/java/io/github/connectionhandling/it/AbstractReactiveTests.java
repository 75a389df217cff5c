package io.github.connectionhandling.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reactive return values whose work would run for 30 s: a client that leaves, or a time
 * limit that runs out, cancels their subscription (the publisher sees the cancel, with
 * the status bits set), the close callback runs once, and nothing is left behind. A
 * streaming {@code Flux} (SSE, NDJSON) is cancelled on the client's departure, not at
 * its next element.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractReactiveTests extends DetectionTestSupport {

	private int logMark;

	@BeforeEach
	void markLog(CapturedOutput output) {
		this.logMark = output.getAll().length();
	}

	@AfterEach
	void nothingLeft(CapturedOutput output) throws InterruptedException {
		assertNothingLeft();
		// Let the container finish the exchange (and log, if it would).
		Thread.sleep(200);
		assertThat(output.getAll().substring(this.logMark)).doesNotContain("Exception")
			.doesNotContain(" ERROR ")
			.doesNotContain(" WARN ");
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void monoIsCancelledWhenItsClientLeaves(Leave leave) throws Exception {
		String tag = tag("mono");
		RawHttp client = RawHttp.connect(this.port).get("/rx/mono?tag=" + tag);
		awaitEvent(tag, "subscribed");
		leave.apply(client);
		assertCancelledOnAbort(tag);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/rx/entity", "/rx/flow" })
	void responseEntityOfMonoAndAdaptedTypesAreCancelled(String path) throws Exception {
		String tag = tag("adapted");
		RawHttp client = RawHttp.connect(this.port).get(path + "?tag=" + tag);
		awaitEvent(tag, "subscribed");
		client.close();
		assertCancelledOnAbort(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void sseFluxIsCancelledOnDepartureNotAtItsNextElement(Leave leave) throws Exception {
		streamIsCancelledOnDeparture("/rx/sse", leave);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void ndjsonFluxIsCancelledOnDepartureNotAtItsNextElement(Leave leave) throws Exception {
		streamIsCancelledOnDeparture("/rx/ndjson", leave);
	}

	private void streamIsCancelledOnDeparture(String path, Leave leave) throws Exception {
		String tag = tag("stream");
		RawHttp client = RawHttp.connect(this.port).get(path + "?tag=" + tag);
		assertThat(client.readUntil("first", WAIT)).startsWith("HTTP/1.1 200");
		long left = System.nanoTime();
		leave.apply(client);
		// The next element would come after 30 s: a cancel within the wait is the stop's.
		assertCancelledOnAbort(tag);
		System.out.println(path + " " + leave + ": cancelled "
				+ (this.events.nanosOf(tag, "cancelled:1") - left) / 1_000 + " µs after the client left");
	}

	@Test
	void ignoredAbortLetsTheMonoFinishAndDiscardsItsResult() throws Exception {
		String tag = tag("ignoring");
		RawHttp client = RawHttp.connect(this.port).get("/rx/ignoring?ms=1000&tag=" + tag);
		awaitEvent(tag, "subscribed");
		client.close();
		await().atMost(WAIT).until(() -> !closeEvents(tag).isEmpty());
		awaitEvent(tag, "shutdown:1");
		assertThat(this.events.of(tag)).containsSubsequence("emitted", "aborted=true", "shutdown:1")
			.noneMatch((event) -> event.startsWith("cancelled"));
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void monoPastItsTimeLimitIsAnsweredAndCancelled() throws Exception {
		String tag = tag("limited-mono");
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/rx/limited/mono?tag=" + tag).readResponse(WAIT);
			AbstractTimeLimitTests.assertProblem(response, 503, "/rx/limited/mono", "PT1S");
		}
		awaitEvent(tag, "cancelled:2");
		awaitEvent(tag, "shutdown:2");
		assertThat(this.events.of(tag)).doesNotContain("late").noneMatch((event) -> event.startsWith("close:"));
	}

	@Test
	void sseFluxPastItsTimeLimitIsClosedAndCancelled() throws Exception {
		String tag = tag("limited-sse");
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/rx/limited/sse?tag=" + tag);
			assertThat(client.readUntil("first", WAIT)).startsWith("HTTP/1.1 200");
			// The response was committed: the connection is closed.
			assertThat(client.readToEnd()).doesNotContain("late");
		}
		awaitEvent(tag, "cancelled:2");
		awaitEvent(tag, "shutdown:2");
		assertThat(this.events.of(tag)).doesNotContain("late");
	}

	@Test
	void currentWorksInHandleAfterAHopToBoundedElastic() throws Exception {
		assertThat(body("/rx/context/handle")).isEqualTo("boundedElastic:0");
	}

	@Test
	void currentWorksAcrossCompletableFutureHopsOnAContextPropagatingExecutor() throws Exception {
		assertThat(body("/rx/context/future")).isEqualTo("plain-pool:0,plain-pool:0");
		// The same threads without propagation: nothing was left bound on them.
		for (int i = 0; i < 4; i++) {
			assertThat(body("/rx/context/plain")).isEqualTo("plain-pool:none");
		}
	}

	@Test
	void withoutAutomaticPropagationMapDoesNotSeeTheRequest() throws Exception {
		// Boot's default (spring.reactor.context-propagation=limited): only handle/tap restore it.
		assertThat(body("/rx/context/map")).isEqualTo("boundedElastic:none;parallel:none;");
	}

	@Test
	void workOnASchedulerThreadStopsWhenTheClientLeaves() throws Exception {
		String tag = tag("checkpoint");
		RawHttp client = RawHttp.connect(this.port).get("/rx/context/checkpoint?tag=" + tag);
		awaitEvent(tag, "started");
		Thread.sleep(200);
		client.close();
		// Cancelling the subscription interrupts the task, or its next checkpoint throws.
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.events.of(tag))
				.anyMatch((event) -> event.equals("interrupted") || event.startsWith("checkpoint:")));
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		assertThat(this.events.of(tag)).doesNotContain("ran-out");
	}

	String body(String path) throws Exception {
		return body(this.port, path);
	}

	static String body(int port, String path) throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		HttpResponse<String> response = client.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	private void assertCancelledOnAbort(String tag) {
		awaitEvent(tag, "cancelled:1");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		assertThat(this.events.of(tag)).doesNotContain("late");
	}

}
