package io.github.connectionhandling.monitoring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PromQL expressions of {@code docs/monitoring/}: the Grafana dashboard's panel
 * targets and the Prometheus alerting rules, and the metric and label names they use.
 */
public final class MonitoringExpressions {

	public static final Path DIRECTORY = Path.of("..", "docs", "monitoring");

	public static final Path DASHBOARD = DIRECTORY.resolve("connection-handling-dashboard.json");

	public static final Path ALERTS = DIRECTORY.resolve("alerts.yml");

	/** The metric families the starter and Spring's observations export. */
	private static final Pattern METRIC = Pattern.compile("\\b((?:http_server_requests|connection_handling)_[a-z0-9_]+)\\b");

	private static final Pattern SELECTOR = Pattern.compile("\\{([^}]*)}");

	private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"");

	private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");

	private MonitoringExpressions() {
	}

	/** The dashboard's expressions, Grafana's variables left in. */
	public static List<String> dashboard() throws IOException {
		JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
		List<String> expressions = new ArrayList<>();
		for (JsonNode panel : dashboard.get("panels")) {
			for (JsonNode target : panel.get("targets")) {
				expressions.add(target.get("expr").asString());
			}
		}
		return expressions;
	}

	/** The alerting rules' expressions. */
	@SuppressWarnings("unchecked")
	public static List<String> alerts() throws IOException {
		try (InputStream in = Files.newInputStream(ALERTS)) {
			Map<String, Object> rules = new Yaml().load(in);
			List<String> expressions = new ArrayList<>();
			for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
				for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
					expressions.add((String) rule.get("expr"));
				}
			}
			return expressions;
		}
	}

	/** An expression with Grafana's variables replaced, as Prometheus would get it. */
	public static String resolved(String expression) {
		return expression.replace("$__rate_interval", "5m").replace("$instance", ".*");
	}

	public static Set<String> metrics(String expression) {
		Set<String> names = new LinkedHashSet<>();
		Matcher matcher = METRIC.matcher(expression);
		while (matcher.find()) {
			names.add(matcher.group(1));
		}
		return names;
	}

	/** The label names an expression matches on or aggregates by. */
	public static Set<String> labels(String expression) {
		Set<String> names = new LinkedHashSet<>();
		Matcher selectors = SELECTOR.matcher(expression);
		while (selectors.find()) {
			Matcher matchers = MATCHER.matcher(selectors.group(1));
			while (matchers.find()) {
				names.add(matchers.group(1));
			}
		}
		Matcher by = BY.matcher(expression);
		while (by.find()) {
			for (String label : by.group(1).split(",")) {
				names.add(label.trim());
			}
		}
		return names;
	}

}
