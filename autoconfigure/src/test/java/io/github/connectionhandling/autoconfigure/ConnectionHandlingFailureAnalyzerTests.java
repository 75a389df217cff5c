package io.github.connectionhandling.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The analyzer is registered: a real start-up with a bad value prints its report.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConnectionHandlingFailureAnalyzerTests {

	@Test
	void startUpReportNamesThePropertyAndTheAcceptedValues(CapturedOutput output) {
		SpringApplication application = new SpringApplication(PropertiesOnly.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--connection-handling.max-execution-time=-5s"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '-5s' for property 'connection-handling.max-execution-time'")
			.contains("Set 'connection-handling.max-execution-time' to a duration from 0 (none) to 365d");
	}

	@Test
	void bindingFailuresOfOtherPropertiesAreLeftToSpringBoot(CapturedOutput output) {
		assertThat(new ConnectionHandlingFailureAnalyzer(null).analyze(new IllegalStateException("unrelated")))
			.isNull();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ConnectionHandlingProperties.class)
	static class PropertiesOnly {

	}

}
