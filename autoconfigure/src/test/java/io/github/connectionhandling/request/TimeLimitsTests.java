package io.github.connectionhandling.request;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Time limits stay in a range whose deadlines cannot overflow, wherever they come from.
 */
class TimeLimitsTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), java.util.List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	@Test
	void rangeIsZeroToOneYear() {
		assertThat(TimeLimits.isValid(Duration.ZERO)).isTrue();
		assertThat(TimeLimits.isValid(Duration.ofDays(365))).isTrue();
		assertThat(TimeLimits.isValid(Duration.ofDays(365).plusNanos(1))).isFalse();
		assertThat(TimeLimits.isValid(Duration.ofNanos(-1))).isFalse();
	}

	@Test
	void setTimeLimitRefusesWhatCannotBeRepresentedAndKeepsTheOldLimit() {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, null, "HTTP/1.1"), null, false);
		handle.setTimeLimit(Duration.ofSeconds(3));
		assertThatIllegalArgumentException().isThrownBy(() -> handle.setTimeLimit(Duration.ofDays(1_000_000)))
			.withMessageContaining("from 0 (none) to 365d");
		assertThat(handle.getTimeLimit()).isEqualTo(Duration.ofSeconds(3));
		this.lifecycle.finish(handle);
	}

	@Test
	void settingsRefuseADefaultLimitOutOfRange() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RequestLifecycle.Settings(Duration.ofDays(1_000_000), false, false));
	}

	@Test
	void deadlineSaturatesInsteadOfWrapping() {
		assertThat(TimeLimits.deadline(Long.MAX_VALUE - 10, TimeLimits.MAX)).isEqualTo(Long.MAX_VALUE);
		assertThat(TimeLimits.deadline(-5, Duration.ofNanos(10))).isEqualTo(5);
		assertThat(TimeLimits.deadline(Long.MIN_VALUE, Duration.ofNanos(1))).isEqualTo(Long.MIN_VALUE + 1);
	}

}
