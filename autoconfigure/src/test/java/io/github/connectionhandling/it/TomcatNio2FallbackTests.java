package io.github.connectionhandling.it;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fallback where no selectable channel can be reached (Tomcat's NIO2 connector): the
 * kernel's TCP state, polled, still detects a client that leaves, and does not mistake a
 * normal request for one.
 */
@SpringBootTest(classes = { DetectionApp.class, OnTomcatNio2.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class TomcatNio2FallbackTests extends DetectionTestSupport {

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void blockingHandlerIsInterruptedThroughTheTcpStatePoll(Leave leave) throws Exception {
		String tag = tag("nio2");
		RawHttp client = RawHttp.connect(this.port).get("/detect/sleep?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void normalRequestsAreNotAnAbort() throws Exception {
		String tag = tag("nio2-normal");
		try (RawHttp client = RawHttp.connect(this.port)) {
			for (int i = 0; i < 3; i++) {
				assertThat(client.get("/sleep?tag=" + tag + "&ms=300").readResponse(Duration.ofSeconds(10)).body())
					.isEqualTo("done 0");
			}
		}
		Thread.sleep(300);
		assertThat(this.events.count(tag, "shutdown:0")).isEqualTo(3);
		assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:"));
	}

}
