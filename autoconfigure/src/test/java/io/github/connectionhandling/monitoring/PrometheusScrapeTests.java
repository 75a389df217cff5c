package io.github.connectionhandling.monitoring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.github.connectionhandling.it.Events;
import io.github.connectionhandling.it.OnTomcat;
import io.github.connectionhandling.it.RawHttp;
import io.github.connectionhandling.it.ScenarioController;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The metric and label names the dashboard and the alerting rules of
 * {@code docs/monitoring/} use are those a running app exports at
 * {@code /actuator/prometheus}, after a normal, an aborted and a timed-out request. Started
 * as an application, not as a test context, so that the Prometheus registry is configured
 * exactly as in production.
 */
class PrometheusScrapeTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static ConfigurableApplicationContext context;

	private static int port;

	/** Label names by metric name, as scraped. */
	private static final Map<String, Set<String>> scraped = new HashMap<>();

	/** The values of connection_status on http_server_requests_seconds_count. */
	private static final Set<String> connectionStatuses = new HashSet<>();

	@BeforeAll
	static void startScrape() throws Exception {
		// Run by the monitoring-tests execution, which adds the Prometheus registry.
		assumeTrue(Boolean.getBoolean("connection-handling.monitoring-tests"), "run by the monitoring-tests execution");
		context = new SpringApplicationBuilder(ScrapedApp.class, OnTomcat.class)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"management.endpoints.web.exposure.include=prometheus")
			.run();
		port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		Events events = context.getBean(Events.class);
		assertThat(get("/status").statusCode()).isEqualTo(200);
		RawHttp client = RawHttp.connect(port).get("/sleep?tag=scraped-abort");
		await().atMost(WAIT).until(() -> events.has("scraped-abort", "started"));
		client.close();
		await().atMost(WAIT).until(() -> events.has("scraped-abort", "shutdown:1"));
		assertThat(get("/limited/sleep?tag=scraped-timeout").statusCode()).isEqualTo(503);
		await().atMost(WAIT).until(() -> events.has("scraped-timeout", "shutdown:2"));
		await().atMost(WAIT).until(() -> {
			scrape();
			return connectionStatuses.containsAll(List.of("NORMAL", "ABORTED", "TIMEOUT"))
					&& scraped.containsKey("connection_handling_abort_callbacks_seconds_count");
		});
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void everyMetricTheDashboardAndTheRulesUseIsExported() throws Exception {
		List<String> expressions = Stream.concat(MonitoringExpressions.dashboard().stream(),
				MonitoringExpressions.alerts().stream()).toList();
		assertThat(expressions).hasSizeGreaterThan(10);
		Set<String> used = new HashSet<>();
		for (String expression : expressions) {
			Set<String> metrics = MonitoringExpressions.metrics(expression);
			assertThat(metrics).as("metrics of %s", expression).isNotEmpty();
			used.addAll(metrics);
			assertThat(scraped.keySet()).as("scraped metric names, for %s", expression).containsAll(metrics);
			Set<String> labels = new HashSet<>();
			metrics.forEach((metric) -> labels.addAll(scraped.get(metric)));
			// Added by Prometheus when it scrapes, not by the app.
			labels.add("instance");
			labels.add("job");
			assertThat(labels).as("labels of %s in %s", metrics, expression)
				.containsAll(MonitoringExpressions.labels(expression));
		}
		// What the issue asks the dashboard to show: aborts and timeouts per URI and
		// instance, orphans, in flight, detection delay.
		assertThat(used).contains("http_server_requests_seconds_count",
				"connection_handling_connections_orphaned_connections", "connection_handling_requests_active_requests",
				"connection_handling_abort_callbacks_seconds_sum", "connection_handling_abort_callbacks_seconds_count");
	}

	@Test
	void requestsAreTaggedWithTheirConnectionStatus() {
		assertThat(connectionStatuses).contains("NORMAL", "ABORTED", "TIMEOUT");
		assertThat(scraped.get("http_server_requests_seconds_count")).contains("connection_status", "uri", "status",
				"outcome", "error", "exception");
	}

	private static void scrape() throws Exception {
		HttpResponse<String> response = get("/actuator/prometheus");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		scraped.clear();
		connectionStatuses.clear();
		for (String line : response.body().lines().toList()) {
			Matcher sample = SAMPLE.matcher(line);
			if (line.startsWith("#") || !sample.find()) {
				continue;
			}
			Set<String> labels = scraped.computeIfAbsent(sample.group(1), (name) -> new HashSet<>());
			if (sample.group(2) != null) {
				Matcher label = LABEL.matcher(sample.group(2));
				while (label.find()) {
					labels.add(label.group(1));
					if (sample.group(1).equals("http_server_requests_seconds_count")
							&& label.group(1).equals("connection_status")) {
						connectionStatuses.add(label.group(2));
					}
				}
			}
		}
	}

	private static HttpResponse<String> get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ ScenarioController.class, Events.class })
	static class ScrapedApp {

	}

}
