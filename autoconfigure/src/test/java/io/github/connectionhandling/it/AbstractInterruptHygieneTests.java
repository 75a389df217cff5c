package io.github.connectionhandling.it;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An interrupt meant to stop an aborted request never reaches the next request on the same
 * thread: the servers here run with as few worker threads as the container allows (and
 * one async executor thread), so the threads that were interrupted serve what follows.
 */
abstract class AbstractInterruptHygieneTests extends DetectionTestSupport {

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	@Test
	void requestsAfterAnAbortedBlockingRequestAreNotInterrupted() throws Exception {
		Set<String> interruptedThreads = new HashSet<>();
		for (int round = 0; round < 3; round++) {
			String tag = tag("hygiene-sleep");
			RawHttp client = RawHttp.connect(this.port).get("/detect/sleep?tag=" + tag);
			awaitEvent(tag, "started");
			((round % 2 == 0) ? Leave.FIN : Leave.RST).apply(client);
			awaitEvent(tag, "interrupted");
			awaitEvent(tag, "shutdown:1");
			this.events.of(tag)
				.stream()
				.filter((event) -> event.startsWith("thread:"))
				.forEach((event) -> interruptedThreads.add(event.substring("thread:".length())));
		}
		Set<String> served = new HashSet<>();
		for (int i = 0; i < 30; i++) {
			try (RawHttp client = RawHttp.connect(this.port)) {
				String body = client.get("/status").readResponse(WAIT).body();
				assertThat(body).startsWith("bits=0 same=true interrupted=false");
				served.add(body.substring(body.indexOf("thread=") + "thread=".length()));
			}
			String tag = tag("hygiene-after");
			try (RawHttp client = RawHttp.connect(this.port)) {
				assertThat(client.get("/sleep?tag=" + tag + "&ms=20").readResponse(WAIT).body()).isEqualTo("done 0");
			}
			assertThat(this.events.of(tag)).contains("slept").doesNotContain("interrupted");
		}
		// The threads that were interrupted did serve some of the requests that followed.
		assertThat(served).containsAnyElementsOf(interruptedThreads);
	}

	@Test
	void callablesAfterAnAbortedCallableAreNotInterrupted() throws Exception {
		for (int round = 0; round < 2; round++) {
			String tag = tag("hygiene-callable");
			RawHttp client = RawHttp.connect(this.port).get("/callable?tag=" + tag);
			awaitEvent(tag, "callable-current=true");
			((round % 2 == 0) ? Leave.FIN : Leave.RST).apply(client);
			awaitEvent(tag, "interrupted");
			awaitEvent(tag, "shutdown:1");
		}
		for (int i = 0; i < 10; i++) {
			String tag = tag("hygiene-callable-after");
			try (RawHttp client = RawHttp.connect(this.port)) {
				assertThat(client.get("/callable?tag=" + tag + "&ms=20").readResponse(WAIT).body())
					.isEqualTo("callable done");
			}
			assertThat(this.events.of(tag)).contains("slept").doesNotContain("interrupted");
		}
	}

}
