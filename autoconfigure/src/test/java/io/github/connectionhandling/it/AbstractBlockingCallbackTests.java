package io.github.connectionhandling.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Close callbacks and shutdown functions that block delay nobody else: with more of them
 * blocked than the starter has stopping threads, another request's departure still runs
 * its close callback and interrupts its handler, and an unrelated request's time limit is
 * still answered on time. A callback that overstays
 * {@code connection-handling.callbacks.warn-after} is logged once, with its request.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractBlockingCallbackTests extends DetectionTestSupport {

	/** More than the stopping pool's threads (at least 4, twice the CPUs). */
	static final int BLOCKED = Math.max(4, 2 * Runtime.getRuntime().availableProcessors()) * 2 + 1;

	private static final Pattern SLOW = Pattern
		.compile("Close callback of request (\\S+) \\(GET /blocking-callbacks\\) still running after PT0\\.2S");

	@Autowired
	BlockingCallbackController controller;

	private final List<RawHttp> clients = new ArrayList<>();

	private final List<String> blockedTags = new ArrayList<>();

	@BeforeEach
	void blockCallbacks() throws Exception {
		for (int i = 0; i < BLOCKED; i++) {
			String tag = tag("blocking");
			this.blockedTags.add(tag);
			this.clients.add(RawHttp.connect(this.port).get("/blocking-callbacks?tag=" + tag));
		}
		for (String tag : this.blockedTags) {
			awaitEvent(tag, "started");
		}
		for (RawHttp client : this.clients) {
			client.close();
		}
		for (String tag : this.blockedTags) {
			awaitEvent(tag, "close-blocking");
		}
	}

	@AfterEach
	void release() {
		this.controller.releaseAll();
		for (String tag : this.blockedTags) {
			awaitEvent(tag, "shutdown-blocking");
		}
		this.controller.releaseAll();
		assertNothingLeft();
	}

	@Test
	void anotherDepartureIsStillCalledBackAndStopped() throws Exception {
		String tag = tag("sleep");
		RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=" + tag);
		awaitEvent(tag, "started");
		client.close();
		// Well before any blocked callback returns (they wait for the test, up to 60 s).
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void anUnrelatedTimeLimitIsStillAnsweredOnTime() throws Exception {
		String tag = tag("limited");
		long start = System.nanoTime();
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/limited-1s?tag=" + tag).readResponse(Duration.ofSeconds(15));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(response.status()).isEqualTo(503);
			// Generous: the blocked callbacks would hold it for a minute.
			assertThat(took).isLessThan(Duration.ofSeconds(5));
		}
		awaitEvent(tag, "interrupted");
	}

	@Test
	void aCallbackThatOverstaysIsLoggedOnceWithItsRequest(CapturedOutput output) {
		await().atMost(WAIT).untilAsserted(() -> assertThat(slowRequests(output.getAll())).hasSize(BLOCKED));
		List<String> ids = slowRequests(output.getAll());
		assertThat(ids).doesNotHaveDuplicates();
	}

	private static List<String> slowRequests(String log) {
		List<String> ids = new ArrayList<>();
		Matcher matcher = SLOW.matcher(log);
		while (matcher.find()) {
			ids.add(matcher.group(1));
		}
		return ids;
	}

}
