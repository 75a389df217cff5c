package io.github.connectionhandling.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row of {@code docs/bad-input.md} (the README's table of invalid property values)
 * is what a start-up with that value really reports, word for word, and every
 * {@code connection-handling.*} property has at least one row.
 * <p>
 * When a message changes, {@link #tableIsCurrent()} fails and writes the table as start-up
 * now reports it to {@code target/bad-input.md}, to copy over {@code docs/bad-input.md}
 * (and its rows into the README).
 */
class BadInputTableTests {

	private static final Path TABLE = Path.of("..", "docs", "bad-input.md");

	/** The invalid values tried, per property. */
	private static final String[][] CASES = { { "enabled", "maybe" },
			{ "ignore-user-abort", "sometimes" }, { "max-execution-time", "-5s" },
			{ "max-execution-time", "soon" }, { "max-execution-time", "30 seconds" }, { "max-execution-time", "1000000d" },
			{ "time-limit-clock", "sundial" }, { "timeout-status", "42" },
			{ "timeout-status", "600" }, { "timeout-status", "503 Service Unavailable" },
			{ "abort-detection.enabled", "maybe" }, { "abort-detection.arm-delay", "-1ms" },
			{ "abort-detection.arm-delay", "later" }, { "abort-detection.arm-delay", "1000000d" }, { "abort-detection.poll-interval", "0" },
			{ "abort-detection.poll-interval", "-100ms" }, { "abort-detection.poll-interval", "often" },
			{ "abort-detection.poll-interval", "1000000d" },
			{ "orphans.reap", "maybe" }, { "orphans.interval", "0" }, { "orphans.interval", "-5s" },
			{ "orphans.interval", "weekly" }, { "orphans.interval", "1000000d" }, { "cancel.jdbc", "maybe" }, { "cancel.http", "perhaps" },
			{ "cancel.async", "maybe" }, { "callbacks.warn-after", "0" },
			{ "callbacks.warn-after", "1000000d" }, { "callbacks.warn-after", "soon" },
			{ "slow-request.threshold", "-1s" }, { "slow-request.threshold", "sometime" },
			{ "slow-request.threshold", "1000000d" } };

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class));

	static Stream<Arguments> rows() throws IOException {
		return parse(Files.readString(TABLE)).stream().map((row) -> Arguments.of(row[0], row[1], row[2], row[3]));
	}

	@ParameterizedTest(name = "{0}={1}")
	@MethodSource("rows")
	void rowIsWhatStartUpReports(String property, String value, String description, String action) {
		FailureAnalysis analysis = analyze(property, value);
		assertThat(analysis.getDescription()).isEqualTo(description);
		assertThat(analysis.getAction()).isEqualTo(action);
	}

	@Test
	void everyPropertyAndEveryCaseHasARow() throws IOException {
		List<String[]> rows = parse(Files.readString(TABLE));
		Set<String> documented = new LinkedHashSet<>();
		for (String[] row : rows) {
			documented.add(row[0] + "=" + row[1]);
		}
		for (String[] c : CASES) {
			assertThat(documented).contains("connection-handling." + c[0] + "=" + c[1]);
		}
		Set<String> properties = new LinkedHashSet<>();
		for (String[] row : rows) {
			properties.add(row[0]);
		}
		// Every property of the generated metadata has a row.
		JsonNode metadata = JsonMapper.builder()
			.build()
			.readTree(getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json"));
		List<String> all = new ArrayList<>();
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			if (name.startsWith("connection-handling.")) {
				all.add(name);
			}
		}
		assertThat(all).isNotEmpty();
		assertThat(properties).as("properties with a row").containsAll(all);
		// The README shows the same table.
		String readme = Files.readString(Path.of("..", "README.md"));
		for (String line : Files.readAllLines(TABLE)) {
			if (line.startsWith("| `")) {
				assertThat(readme).as("README row").contains(line);
			}
		}
	}

	@Test
	void tableIsCurrent() throws IOException {
		String current = Files.readString(TABLE);
		String reported = table();
		if (!current.equals(reported)) {
			Path written = Path.of("target", "bad-input.md");
			Files.writeString(written, reported);
			assertThat(current).as("docs/bad-input.md is not what start-up reports: copy %s over it (and its rows into"
					+ " the README)", written.toAbsolutePath()).isEqualTo(reported);
		}
	}

	/** The table, from what start-up reports for each case. */
	private String table() {
		StringBuilder out = new StringBuilder();
		out.append("<!-- Checked by BadInputTableTests on every build; it writes target/bad-input.md when a message"
				+ " changes. -->\n");
		out.append("| Property | Invalid value | Start-up failure: description | Action |\n");
		out.append("|---|---|---|---|\n");
		for (String[] c : CASES) {
			String property = "connection-handling." + c[0];
			FailureAnalysis analysis = analyze(property, c[1]);
			out.append("| `").append(property).append("` | `").append(c[1].isEmpty() ? "(empty)" : c[1]).append("` | ")
				.append(escape(analysis.getDescription())).append(" | ").append(escape(analysis.getAction()))
				.append(" |\n");
		}
		out.append("\nAlso refused at start-up, not reproducible on this JVM: `connection-handling.time-limit-clock=cpu`"
				+ " on a JVM that cannot measure threads' CPU time (description: Invalid value 'cpu' for property"
				+ " 'connection-handling.time-limit-clock': this JVM cannot measure the CPU time of threads.; action:"
				+ " Set 'connection-handling.time-limit-clock' to wall. The value 'cpu' is not accepted.). An empty"
				+ " value (`connection-handling.time-limit-clock=`) keeps the default, like any Spring Boot"
				+ " property; `true`/`false` also accept `yes`/`no`, `on`/`off` and `1`/`0`. A `@TimeLimit` value"
				+ " that is not a duration from 0 to 365d (after its placeholders are resolved) fails start-up"
				+ " naming the handler method.\n");
		return out.toString();
	}

	private FailureAnalysis analyze(String property, String value) {
		FailureAnalysis[] result = new FailureAnalysis[1];
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).as(property + "=" + value).hasFailed();
			MockEnvironment environment = new MockEnvironment();
			environment.setProperty(property, value);
			result[0] = new ConnectionHandlingFailureAnalyzer(environment).analyze(context.getStartupFailure());
		});
		assertThat(result[0]).as("analysis of " + property + "=" + value).isNotNull();
		return result[0];
	}

	private static String escape(String text) {
		return text.replace("|", "\\|").replace("\n", " ");
	}

	private static String unescape(String text) {
		return text.replace("\\|", "|");
	}

	/** Rows as property, value, description, action. */
	static List<String[]> parse(String markdown) {
		List<String[]> rows = new ArrayList<>();
		for (String line : markdown.split("\n")) {
			if (!line.startsWith("| `connection-handling.")) {
				continue;
			}
			String[] cells = line.substring(2, line.length() - 2).split(" \\| ", -1);
			String property = cells[0].replace("`", "");
			String value = cells[1].replace("`", "");
			rows.add(new String[] { property, value.equals("(empty)") ? "" : value, unescape(cells[2]),
					unescape(cells[3]) });
		}
		return rows;
	}

}
