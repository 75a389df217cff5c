package io.github.connectionhandling.autoconfigure;

import io.github.connectionhandling.detection.DisconnectDetector;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.timelimit.TimeLimiter;
import io.github.connectionhandling.web.ConnectionStatusFilter;
import io.github.connectionhandling.web.ConnectionStatusWebMvcConfigurer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.web.servlet.DispatcherServlet;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class ConnectionHandlingAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class));

	@Test
	void enabledByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RequestLifecycle.class)
				.hasSingleBean(InFlightRequests.class)
				.hasSingleBean(DisconnectDetector.class)
				.hasSingleBean(TimeLimiter.class)
				.hasSingleBean(ConnectionStatusWebMvcConfigurer.class)
				.hasBean("connectionStatusFilter");
			assertThat(context.getBean("connectionStatusFilter", FilterRegistrationBean.class).getFilter())
				.isInstanceOf(ConnectionStatusFilter.class);
			RequestLifecycle.Settings settings = context.getBean(RequestLifecycle.class).getSettings();
			assertThat(settings.maxExecutionTime()).hasSeconds(30);
			assertThat(settings.ignoreUserAbort()).isFalse();
			assertThat(settings.cpuClock()).isFalse();
		});
	}

	@Test
	void callbackWarningBoundIsBound() {
		this.runner.withPropertyValues("connection-handling.callbacks.warn-after=750ms")
			.run((context) -> assertThat(context.getBean(RequestLifecycle.class).getSettings().callbackWarnAfter())
				.hasMillis(750));
	}

	@Test
	void anAsyncRequestTimeoutThatDoesNotApplyIsReportedOnce(CapturedOutput output) {
		this.runner.withPropertyValues("spring.mvc.async.request-timeout=20s").run((context) -> {
			assertThat(context).hasNotFailed();
			String warning = "spring.mvc.async.request-timeout=20s is not applied: async requests run under"
					+ " connection-handling.max-execution-time (PT30S)";
			assertThat(output.getAll()).containsOnlyOnce(warning);
		});
	}

	@Test
	void noAsyncTimeoutWarningWithoutTheProperty(CapturedOutput output) {
		this.runner.run((context) -> assertThat(output.getAll()).doesNotContain("spring.mvc.async.request-timeout"));
	}

	@Test
	void noAsyncTimeoutWarningWhenTimeLimitsAreOff(CapturedOutput output) {
		this.runner.withPropertyValues("spring.mvc.async.request-timeout=20s", "connection-handling.enabled=false")
			.run((context) -> assertThat(output.getAll()).doesNotContain("is not applied"));
	}

	@Test
	void disabledBacksOffButKeepsThePassiveStatus() {
		this.runner.withPropertyValues("connection-handling.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(DisconnectDetector.class).doesNotHaveBean(TimeLimiter.class);
			// Controllers and current() keep working, with a status that stays NORMAL.
			assertThat(context).hasSingleBean(RequestLifecycle.class)
				.hasSingleBean(ConnectionStatusWebMvcConfigurer.class)
				.hasBean("connectionStatusFilter");
			assertThat(context.getBean(RequestLifecycle.class).getSettings().maxExecutionTime()).isZero();
		});
	}

	@Test
	void abortDetectionCanBeSwitchedOffAlone() {
		this.runner.withPropertyValues("connection-handling.abort-detection.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DisconnectDetector.class)
				.hasSingleBean(TimeLimiter.class));
	}

	@Test
	void backsOffInANonWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RequestLifecycle.class)
				.doesNotHaveBean(DisconnectDetector.class));
	}

	@Test
	void backsOffWithoutSpringMvc() {
		this.runner.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RequestLifecycle.class));
	}

	@Test
	void worksWithoutActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(RequestLifecycle.class)
				.hasSingleBean(DisconnectDetector.class));
	}

	@Test
	void worksWithoutMicrometer() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RequestLifecycle.class));
	}

	@Test
	void userDefinedBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(TimeLimiter.class).hasSingleBean(InFlightRequests.class);
			assertThat(context.getBean(TimeLimiter.class)).isSameAs(context.getBean(UserBeans.class).limiter);
			assertThat(context.getBean(InFlightRequests.class)).isSameAs(context.getBean(UserBeans.class).requests);
		});
	}

	@Test
	void propertiesReachTheLifecycle() {
		this.runner
			.withPropertyValues("connection-handling.max-execution-time=5s", "connection-handling.ignore-user-abort=true",
					"connection-handling.time-limit-clock=cpu")
			.run((context) -> {
				RequestLifecycle.Settings settings = context.getBean(RequestLifecycle.class).getSettings();
				assertThat(settings.maxExecutionTime()).hasSeconds(5);
				assertThat(settings.ignoreUserAbort()).isTrue();
				assertThat(settings.cpuClock()).isTrue();
			});
	}

	@Test
	void negativeMaxExecutionTimeFailsWithTheAnalyzersMessage() {
		assertFailure("connection-handling.max-execution-time=-1s", "connection-handling.max-execution-time", "-1s",
				"a duration from 0 (none) to 365d");
	}

	@Test
	void unknownClockFailsWithTheAcceptedValues() {
		assertFailure("connection-handling.time-limit-clock=sundial", "connection-handling.time-limit-clock",
				"sundial", "wall or cpu");
	}

	@Test
	void statusOutOfRangeFailsWithTheAcceptedRange() {
		assertFailure("connection-handling.timeout-status=42", "connection-handling.timeout-status", "42",
				"from 100 to 599");
		assertFailure("connection-handling.timeout-status=600", "connection-handling.timeout-status", "600",
				"from 100 to 599");
	}

	@Test
	void unparsableDurationFailsNamingTheProperty() {
		assertFailure("connection-handling.abort-detection.poll-interval=often",
				"connection-handling.abort-detection.poll-interval", "often", "a duration greater than 0");
		assertFailure("connection-handling.abort-detection.poll-interval=0",
				"connection-handling.abort-detection.poll-interval", "0", "a duration greater than 0");
	}

	@Test
	void unparsableBooleanFailsNamingTheProperty() {
		assertFailure("connection-handling.enabled=maybe", "connection-handling.enabled", "maybe", "true or false");
	}

	private void assertFailure(String property, String name, String value, String accepted) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			MockEnvironment environment = new MockEnvironment();
			environment.setProperty(property.substring(0, property.indexOf('=')), property.substring(property.indexOf('=') + 1));
			FailureAnalysis analysis = new ConnectionHandlingFailureAnalyzer(environment)
				.analyze(context.getStartupFailure());
			assertThat(analysis).as("analysis of " + context.getStartupFailure()).isNotNull();
			assertThat(analysis.getDescription()).contains(name).contains("'" + value + "'");
			assertThat(analysis.getAction()).contains(name).contains(accepted);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final TimeLimiter limiter = new TimeLimiter(false);

		final InFlightRequests requests = new InFlightRequests();

		@Bean
		TimeLimiter userTimeLimiter() {
			return this.limiter;
		}

		@Bean
		InFlightRequests userRequests() {
			return this.requests;
		}

	}

}
