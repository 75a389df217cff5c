package io.github.connectionhandling.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Detection with {@code spring.threads.virtual.enabled=true}: requests (and async work) run
 * on virtual threads, which are interrupted like platform threads, and an interrupt never
 * leaks into the next request. Needs Java 21 (subclasses say so: JUnit does not inherit
 * the condition); {@code ./mvnw verify} also runs these tests
 * on the Temurin 25 JDK when it is installed (see the {@code virtual-threads} profile).
 */
abstract class AbstractVirtualThreadAbortTests extends DetectionTestSupport {

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void blockingHandlerOnAVirtualThreadIsInterrupted(Leave leave) throws Exception {
		String tag = tag("virtual-sleep");
		RawHttp client = RawHttp.connect(this.port).get("/detect/sleep?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		assertThat(this.events.of(tag)).doesNotContain("slept");
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void callableOnAVirtualThreadIsInterrupted(Leave leave) throws Exception {
		String tag = tag("virtual-callable");
		RawHttp client = RawHttp.connect(this.port).get("/callable?tag=" + tag);
		awaitEvent(tag, "callable-current=true");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void requestsRunOnVirtualThreadsAndAreNotInterruptedAfterAnAbort() throws Exception {
		String tag = tag("virtual-first");
		RawHttp aborted = RawHttp.connect(this.port).get("/detect/sleep?tag=" + tag);
		awaitEvent(tag, "started");
		aborted.close();
		awaitEvent(tag, "shutdown:1");
		for (int i = 0; i < 20; i++) {
			try (RawHttp client = RawHttp.connect(this.port)) {
				String body = client.get("/status").readResponse(WAIT).body();
				assertThat(body).startsWith("bits=0 same=true interrupted=false");
			}
			String next = tag("virtual-next");
			try (RawHttp client = RawHttp.connect(this.port)) {
				assertThat(client.get("/sleep?tag=" + next + "&ms=20").readResponse(WAIT).body()).isEqualTo("done 0");
			}
			assertThat(this.events.of(next)).contains("slept").doesNotContain("interrupted");
		}
		try (RawHttp client = RawHttp.connect(this.port)) {
			String body = client.get("/detect/virtual").readResponse(WAIT).body();
			assertThat(body).isEqualTo("virtual=true");
		}
	}

}
