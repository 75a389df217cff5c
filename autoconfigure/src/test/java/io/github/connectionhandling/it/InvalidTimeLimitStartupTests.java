package io.github.connectionhandling.it;

import io.github.connectionhandling.TimeLimit;
import io.github.connectionhandling.autoconfigure.ConnectionHandlingAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An invalid {@link TimeLimit} fails start-up with a message naming the handler method,
 * not the first request that reaches it.
 */
class InvalidTimeLimitStartupTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class,
				WebMvcAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class));

	@Test
	void invalidDurationFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(BadDurationController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Invalid @TimeLimit(\"soon\") on ")
				.hasStackTraceContaining("BadDurationController#report()")
				.hasStackTraceContaining("use a duration from 0 (none) to 365d, such as 5s");
		});
	}

	@Test
	void negativeDurationFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(NegativeController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("NegativeController#negative()")
				.hasStackTraceContaining("a time limit must be from 0 (none) to 365d");
		});
	}

	@Test
	void durationTooLongToRepresentFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(HugeController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("HugeController#huge()")
				.hasStackTraceContaining("Invalid @TimeLimit(\"1000000d\")")
				.hasStackTraceContaining("a time limit must be from 0 (none) to 365d");
		});
	}

	@Test
	void placeholderResolvingToATooLongDurationFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(PlaceholderController.class)
			.withPropertyValues("no.such.limit=1000000d")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("PlaceholderController#placeholder()")
					.hasStackTraceContaining("a time limit must be from 0 (none) to 365d");
			});
	}

	@Test
	void unresolvablePlaceholderFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(PlaceholderController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("PlaceholderController#placeholder()")
				.hasStackTraceContaining("no.such.limit");
		});
	}

	@Test
	void resolvablePlaceholderStarts() {
		this.runner.withUserConfiguration(PlaceholderController.class)
			.withPropertyValues("no.such.limit=2s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@RestController
	static class BadDurationController {

		@TimeLimit("soon")
		@GetMapping("/report")
		String report() {
			return "report";
		}

	}

	@RestController
	static class NegativeController {

		@TimeLimit("-5s")
		@GetMapping("/negative")
		String negative() {
			return "negative";
		}

	}

	@RestController
	static class HugeController {

		@TimeLimit("1000000d")
		@GetMapping("/huge")
		String huge() {
			return "huge";
		}

	}

	@RestController
	static class PlaceholderController {

		@TimeLimit("${no.such.limit}")
		@GetMapping("/placeholder")
		String placeholder() {
			return "placeholder";
		}

	}

}
