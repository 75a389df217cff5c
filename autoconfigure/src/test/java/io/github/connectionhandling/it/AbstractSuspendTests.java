package io.github.connectionhandling.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kotlin {@code suspend} handlers (see {@code SuspendScenarioController.kt}): a client
 * that leaves, or a time limit that runs out, cancels the coroutine, whose
 * {@code delay(30_000)} ends with a {@code CancellationException} and runs its
 * {@code finally} block; the close callback runs once and nothing is left behind.
 */
abstract class AbstractSuspendTests extends DetectionTestSupport {

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void coroutineIsCancelledWhenItsClientLeaves(Leave leave) throws Exception {
		String tag = tag("suspend");
		RawHttp client = RawHttp.connect(this.port).get("/kt/suspend?tag=" + tag);
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "cancelled:1");
		awaitEvent(tag, "finally");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		assertThat(this.events.of(tag)).doesNotContain("late");
	}

	@Test
	void coroutinePastItsTimeLimitIsAnsweredAndCancelled() throws Exception {
		String tag = tag("suspend-limited");
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/kt/limited?tag=" + tag).readResponse(WAIT);
			AbstractTimeLimitTests.assertProblem(response, 503, "/kt/limited", "PT1S");
		}
		awaitEvent(tag, "cancelled:2");
		awaitEvent(tag, "finally");
		awaitEvent(tag, "shutdown:2");
		assertThat(this.events.of(tag)).doesNotContain("late").noneMatch((event) -> event.startsWith("close:"));
	}

	@Test
	void currentWorksUntilTheFirstSuspensionWithoutAutomaticPropagation() throws Exception {
		// Spring resumes the coroutine where the delay ends; only with Reactor's automatic
		// context propagation does it add the context element that restores the request.
		assertThat(AbstractReactiveTests.body(this.port, "/kt/context")).isEqualTo("0;none");
	}

}
