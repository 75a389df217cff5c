package io.github.connectionhandling.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.monitoring.MonitoringExpressions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code docs/monitoring/} as Prometheus and Grafana read it: {@code promtool} checks the
 * alerting rules and runs their unit tests, and checks every dashboard expression (as a
 * recording rule, Grafana's variables resolved). Skipped where {@code promtool} is not
 * installed, unless {@code CH_REQUIRE_PROMTOOL} is set (as {@code .ci/run} does). The
 * metric names are checked against a running app by {@code PrometheusScrapeTests}.
 */
class MonitoringRulesTests {

	private static String promtool;

	@BeforeAll
	static void findPromtool() {
		promtool = findOnPath("promtool");
		if (System.getenv("CH_REQUIRE_PROMTOOL") != null) {
			assertThat(promtool).as("promtool on the PATH (Debian package prometheus)").isNotNull();
		}
	}

	@Test
	void alertingRulesAreValid() throws Exception {
		assumeTrue(promtool != null, "promtool is not installed");
		assertThat(run("check", "rules", MonitoringExpressions.ALERTS.toString())).contains("SUCCESS: 3 rules found");
	}

	@Test
	void alertingRulesFireAsTheirUnitTestsSay() throws Exception {
		assumeTrue(promtool != null, "promtool is not installed");
		assertThat(run("test", "rules", MonitoringExpressions.DIRECTORY.resolve("alerts-test.yml").toString()))
			.contains("SUCCESS");
	}

	@Test
	void sampleScrapeConfigurationIsValid() throws Exception {
		assumeTrue(promtool != null, "promtool is not installed");
		assertThat(run("check", "config", MonitoringExpressions.DIRECTORY.resolve("prometheus.yml").toString()))
			.contains("is valid prometheus config file syntax");
	}

	@Test
	void dashboardExpressionsAreValidPromQl(@TempDir Path dir) throws Exception {
		assumeTrue(promtool != null, "promtool is not installed");
		List<String> expressions = MonitoringExpressions.dashboard();
		StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
		for (int i = 0; i < expressions.size(); i++) {
			String resolved = MonitoringExpressions.resolved(expressions.get(i));
			assertThat(resolved).as("unresolved Grafana variable").doesNotContain("$");
			rules.append("      - record: dashboard:expression").append(i).append('\n');
			rules.append("        expr: '").append(resolved.replace("'", "''")).append("'\n");
		}
		Path file = dir.resolve("dashboard-rules.yml");
		Files.writeString(file, rules, StandardCharsets.UTF_8);
		assertThat(run("check", "rules", file.toString()))
			.contains("SUCCESS: " + expressions.size() + " rules found");
	}

	@Test
	void dashboardIsAGrafanaDashboardWithATargetInEveryPanel() throws IOException {
		JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(MonitoringExpressions.DASHBOARD));
		assertThat(dashboard.get("uid").asString()).isEqualTo("connection-handling");
		assertThat(dashboard.get("schemaVersion").asInt()).isPositive();
		Set<Integer> ids = new HashSet<>();
		for (JsonNode panel : dashboard.get("panels")) {
			assertThat(ids.add(panel.get("id").asInt())).as("unique panel id").isTrue();
			assertThat(panel.get("title").asString()).isNotBlank();
			assertThat(panel.get("datasource").get("uid").asString()).isEqualTo("${datasource}");
			assertThat(panel.get("targets")).isNotEmpty();
			for (JsonNode target : panel.get("targets")) {
				assertThat(target.get("expr").asString()).isNotBlank();
			}
		}
		List<String> variables = new ArrayList<>();
		dashboard.get("templating").get("list").forEach((variable) -> variables.add(variable.get("name").asString()));
		assertThat(variables).containsExactly("datasource", "instance");
	}

	private static String run(String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of(promtool));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool ended").isTrue();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

	private static String findOnPath(String name) {
		for (String directory : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
			Path candidate = Path.of(directory, name);
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		return null;
	}

}
