package io.github.connectionhandling.autoconfigure;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Explains a start-up failure caused by a {@code connection-handling.*} property: which
 * property, which value, and what values are accepted.
 */
final class ConnectionHandlingFailureAnalyzer implements FailureAnalyzer, Ordered {

	private static final String PREFIX = "connection-handling.";

	private static final String BOOLEAN = "true or false";

	private static final Map<String, String> ACCEPTED = Map.ofEntries(
			Map.entry("connection-handling.enabled", BOOLEAN), Map.entry("connection-handling.ignore-user-abort", BOOLEAN),
			Map.entry("connection-handling.max-execution-time", ConnectionHandlingProperties.ACCEPTED_TIME_LIMIT),
			Map.entry("connection-handling.time-limit-clock", "wall or cpu"),
			Map.entry("connection-handling.timeout-status", ConnectionHandlingProperties.ACCEPTED_STATUS),
			Map.entry("connection-handling.abort-detection.enabled", BOOLEAN),
			Map.entry("connection-handling.abort-detection.arm-delay", ConnectionHandlingProperties.ACCEPTED_ARM_DELAY),
			Map.entry("connection-handling.abort-detection.poll-interval",
					ConnectionHandlingProperties.ACCEPTED_POLL_INTERVAL),
			Map.entry("connection-handling.orphans.reap", BOOLEAN),
			Map.entry("connection-handling.orphans.interval", ConnectionHandlingProperties.ACCEPTED_INTERVAL),
			Map.entry("connection-handling.callbacks.warn-after", ConnectionHandlingProperties.ACCEPTED_INTERVAL),
			Map.entry("connection-handling.cancel.jdbc", BOOLEAN), Map.entry("connection-handling.cancel.http", BOOLEAN),
			Map.entry("connection-handling.cancel.async", BOOLEAN),
			Map.entry("connection-handling.slow-request.threshold", ConnectionHandlingProperties.ACCEPTED_SLOW_REQUEST));

	private final @Nullable Environment environment;

	/**
	 * Create the analyzer; Spring Boot passes the application's environment, to quote the
	 * value as it was written.
	 * @param environment the environment, if known
	 */
	ConnectionHandlingFailureAnalyzer(@Nullable Environment environment) {
		this.environment = environment;
	}

	@Override
	public @Nullable FailureAnalysis analyze(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof InvalidPropertyException invalid) {
				String written = (this.environment != null) ? this.environment.getProperty(invalid.getProperty()) : null;
				String value = (written != null) ? written : invalid.getValue();
				return analysis(invalid.getProperty(), value,
						invalid.getMessage().replace("'" + invalid.getValue() + "'", "'" + value + "'"),
						invalid.getAccepted(), invalid);
			}
			if (cause instanceof BindException bind && bind.getName().toString().startsWith(PREFIX)) {
				String property = bind.getName().toString();
				String value = (bind.getProperty() != null) ? String.valueOf(bind.getProperty().getValue()) : "?";
				String accepted = ACCEPTED.getOrDefault(property, "see the configuration table in the README");
				Throwable root = bind;
				while (root.getCause() != null) {
					root = root.getCause();
				}
				return analysis(property, value,
						"Invalid value '" + value + "' for property '" + property + "': " + root.getMessage(), accepted,
						bind);
			}
		}
		return null;
	}

	private static FailureAnalysis analysis(String property, String value, @Nullable String message, String accepted,
			Throwable cause) {
		return new FailureAnalysis(message + ".",
				"Set '" + property + "' to " + accepted + ". The value '" + value + "' is not accepted.", cause);
	}

	@Override
	public int getOrder() {
		// Before Spring Boot's generic binding analyzer.
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
