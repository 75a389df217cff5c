package io.github.connectionhandling.it;

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
 * A client that leaves (FIN or RST) while its request is in flight: for a blocking handler
 * and each async return type, the {@code ABORTED} bit is set, the close callback runs once
 * off the request thread, the work is stopped, and nothing is left behind (no request in
 * flight, no socket in CLOSE_WAIT). With user aborts ignored, the work runs to its end and
 * its output is discarded quietly.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractAbortTests extends DetectionTestSupport {

	private int logMark;

	@BeforeEach
	void markLog(CapturedOutput output) {
		this.logMark = output.getAll().length();
	}

	@AfterEach
	void nothingLeft(CapturedOutput output) throws InterruptedException {
		assertNothingLeft();
		assertNoErrorsLogged(output, this.logMark);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void blockingHandlerIsInterrupted(Leave leave) throws Exception {
		String tag = tag("sleep");
		RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		assertThat(this.events.of(tag)).doesNotContain("slept");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/sleep?ms=3000", "/sleep-ignoring?ms=1000" })
	void aClientThatHalfClosesAndKeepsReadingGetsNoSuccessForStoppedWork(String path) throws Exception {
		// A FIN after a complete request is a departure (as for Go and nginx): the work is
		// stopped, or its output discarded, and the client, still reading, must not get a
		// success it has no output for.
		String tag = tag("half-close");
		RawHttp client = RawHttp.connect(this.port).send("GET " + path + "&tag=" + tag + " HTTP/1.0\r\n\r\n");
		awaitEvent(tag, "started");
		client.halfClose();
		String received = client.readToEnd();
		assertThat(received).doesNotContain("HTTP/1.1 2").doesNotContain("HTTP/1.0 2");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		client.close();
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void deferredResultIsCompletedWithCallbacks(Leave leave) throws Exception {
		String tag = tag("deferred");
		RawHttp client = RawHttp.connect(this.port).get("/deferred?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "error-callback");
		awaitEvent(tag, "completion-callback");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void asyncStartedAfterTheStopOfItsInitialDispatchIsFailedEvenIfAbortsAreIgnoredSince() throws Exception {
		// The stop ran while the first dispatch did (and left failing the async context to
		// the filter): ignoring aborts afterwards must not leave the request hanging.
		String tag = tag("stopped-then-deferred");
		RawHttp client = RawHttp.connect(this.port).get("/stopped-then-deferred?tag=" + tag);
		awaitEvent(tag, "started");
		Leave.FIN.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "error-callback");
		awaitEvent(tag, "shutdown:1");
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void callableWorkerIsInterrupted(Leave leave) throws Exception {
		String tag = tag("callable");
		RawHttp client = RawHttp.connect(this.port).get("/callable?tag=" + tag);
		awaitEvent(tag, "callable-current=true");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void webAsyncTaskWorkerIsInterrupted(Leave leave) throws Exception {
		String tag = tag("webasynctask");
		RawHttp client = RawHttp.connect(this.port).get("/webasynctask?tag=" + tag);
		awaitEvent(tag, "started");
		// The task runs on an executor thread a moment after the handler returned.
		Thread.sleep(200);
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void completableFutureIsCancelled(Leave leave) throws Exception {
		String tag = tag("future");
		RawHttp client = RawHttp.connect(this.port).get("/future?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "future-cancelled");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void sseEmitterIsCompletedWithCallbacks(Leave leave) throws Exception {
		String tag = tag("sse");
		RawHttp client = RawHttp.connect(this.port).get("/sse?tag=" + tag);
		client.readUntil("data:first", WAIT);
		leave.apply(client);
		awaitEvent(tag, "error-callback");
		awaitEvent(tag, "completion-callback");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void responseBodyEmitterIsCompletedWithCallbacks(Leave leave) throws Exception {
		String tag = tag("emitter");
		RawHttp client = RawHttp.connect(this.port).get("/emitter?tag=" + tag);
		client.readUntil("first", WAIT);
		leave.apply(client);
		awaitEvent(tag, "error-callback");
		awaitEvent(tag, "completion-callback");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void streamingResponseBodyIsInterrupted(Leave leave) throws Exception {
		String tag = tag("streaming");
		RawHttp client = RawHttp.connect(this.port).get("/streaming?tag=" + tag);
		client.readUntil("first", WAIT);
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void ignoredAbortLetsWorkFinishAndDiscardsItsResult(Leave leave) throws Exception {
		String tag = tag("ignoring");
		RawHttp client = RawHttp.connect(this.port).get("/sleep-ignoring?tag=" + tag + "&ms=1000");
		awaitEvent(tag, "started");
		leave.apply(client);
		await().atMost(WAIT).until(() -> !closeEvents(tag).isEmpty());
		assertThat(this.events.of(tag)).doesNotContain("slept");
		awaitEvent(tag, "shutdown:1");
		assertThat(this.events.of(tag)).containsSubsequence("slept", "aborted=true", "shutdown:1")
			.doesNotContain("interrupted");
		assertClosedOnceOffRequestThread(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void ignoredAbortDiscardsLargeWritesQuietly(Leave leave) throws Exception {
		String tag = tag("ignoring-write");
		RawHttp client = RawHttp.connect(this.port).get("/detect/ignoring-write?tag=" + tag + "&ms=1000");
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "shutdown:1");
		assertThat(this.events.of(tag)).containsSubsequence("slept", "aborted=true", "wrote", "shutdown:1")
			.noneMatch((event) -> event.startsWith("write-failed"))
			.doesNotContain("interrupted");
		assertClosedOnceOffRequestThread(tag);
	}

	private static void assertNoErrorsLogged(CapturedOutput output, int mark) throws InterruptedException {
		// Let the container finish the exchange (and log, if it would).
		Thread.sleep(200);
		String logged = output.getAll().substring(mark);
		assertThat(logged).doesNotContain("Exception").doesNotContain(" ERROR ").doesNotContain(" WARN ");
	}

}
