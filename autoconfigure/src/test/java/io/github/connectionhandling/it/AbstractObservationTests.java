package io.github.connectionhandling.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.observation.RequestObservationEvents;
import io.github.connectionhandling.web.ConnectionStatusFilter;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Aborted and timed-out requests as Spring's {@code http.server.requests} observations
 * show them, through the metrics endpoint and through spans: the {@code connection.status}
 * key, the error, and a span event at the moment of the abort or timeout.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractObservationTests {

	static final String EXPOSE = "management.endpoints.web.exposure.include=metrics,connections";

	static final String SHOW_VALUES = "management.endpoint.connections.show-values=always";

	static final String SLOW_REQUESTS = "connection-handling.slow-request.threshold=400ms";

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	SimpleTracer tracer;

	@Autowired
	ApplicationContext context;

	@Test
	void abortedAndNormalRequestsAreCountedApart() throws Exception {
		long abortedBefore = count("connection.status:ABORTED");
		long normalBefore = count("connection.status:NORMAL");
		for (int i = 0; i < 3; i++) {
			assertThat(get("/status").statusCode()).isEqualTo(200);
		}
		for (int i = 0; i < 3; i++) {
			String tag = "observed-abort-" + i;
			RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=" + tag);
			await().atMost(WAIT).until(() -> this.events.has(tag, "started"));
			client.close();
			await().atMost(WAIT).until(() -> this.events.has(tag, "shutdown:1"));
		}
		await().atMost(WAIT).until(() -> count("connection.status:ABORTED") >= abortedBefore + 3);
		await().atMost(WAIT).until(() -> count("connection.status:NORMAL") >= normalBefore + 3);
		// The abort is on the endpoint that was aborted, with an error; the status is what the
		// response carried (the handler returned normally once interrupted).
		assertThat(count("connection.status:ABORTED", "uri:/sleep")).isGreaterThanOrEqualTo(3);
		assertThat(count("connection.status:ABORTED", "uri:/sleep", "error:RequestStoppedException",
				"exception:RequestStoppedException", "status:200"))
			.isGreaterThanOrEqualTo(3);
		assertThat(count("connection.status:NORMAL", "uri:/status", "error:none")).isGreaterThanOrEqualTo(3);
		assertThat(tagValues("connection.status")).contains("NORMAL", "ABORTED");
	}

	@Test
	void timedOutRequestIsTaggedTimeout() throws Exception {
		long before = count("connection.status:TIMEOUT", "uri:/limited/sleep");
		HttpResponse<String> response = get("/limited/sleep?tag=observed-timeout");
		assertThat(response.statusCode()).isEqualTo(503);
		await().atMost(WAIT).until(() -> this.events.has("observed-timeout", "shutdown:2"));
		await().atMost(WAIT).until(() -> count("connection.status:TIMEOUT", "uri:/limited/sleep") == before + 1);
		assertThat(count("connection.status:TIMEOUT", "uri:/limited/sleep", "status:503",
				"error:RequestStoppedException", "outcome:SERVER_ERROR"))
			.isEqualTo(before + 1);
	}

	@Test
	void abortedRequestsSpanHasAnEventAtTheAbortAndAnError() throws Exception {
		String tag = "traced-abort";
		RawHttp client = RawHttp.connect(this.port).get("/sleep?tag=" + tag);
		await().atMost(WAIT).until(() -> this.events.has(tag, "started"));
		long closedAt = System.currentTimeMillis();
		client.close();
		await().atMost(WAIT).until(() -> this.events.has(tag, "shutdown:1"));
		SimpleSpan span = awaitSpan("/sleep", "ABORTED");
		assertThat(span.getError()).isInstanceOf(RequestStoppedException.class);
		assertThat(((RequestStoppedException) span.getError()).getBits()).isEqualTo(1);
		List<Map.Entry<Long, String>> events = span.getEvents()
			.stream()
			.filter((event) -> event.getValue().equals(RequestObservationEvents.ABORTED))
			.toList();
		assertThat(events).hasSize(1);
		// At the abort: after the client closed, before the span ended.
		long eventMillis = events.get(0).getKey() / 1000;
		assertThat(eventMillis).isGreaterThanOrEqualTo(closedAt)
			.isLessThanOrEqualTo(span.getEndTimestamp().toEpochMilli());
	}

	@Test
	void aCloseCallbackRunsWithTheRequestsMdcAndTraceOnAThreadOfItsOwn() throws Exception {
		String tag = "callback-context";
		RawHttp client = RawHttp.connect(this.port).get("/context?tag=" + tag);
		await().atMost(WAIT).until(() -> this.events.has(tag, "started"));
		client.close();
		await().atMost(WAIT).until(() -> this.events.of(tag).stream().anyMatch((e) -> e.startsWith("close-thread:")));
		String handlerTrace = this.events.of(tag)
			.stream()
			.filter((e) -> e.startsWith("handler-trace:"))
			.findFirst()
			.orElseThrow()
			.substring("handler-trace:".length());
		assertThat(handlerTrace).isNotEqualTo("none");
		assertThat(this.events.of(tag)).contains("close-mdc:user-" + tag, "close-trace:" + handlerTrace)
			.noneMatch((e) -> e.startsWith("close-thread:http-") || e.startsWith("close-thread:qtp"));
		assertThat(awaitSpan("/context", "ABORTED").getTraceId()).isEqualTo(handlerTrace);
	}

	@Test
	void timedOutRequestsSpanHasAnEventAndAnError() throws Exception {
		assertThat(get("/limited/sleep?tag=traced-timeout").statusCode()).isEqualTo(503);
		await().atMost(WAIT).until(() -> this.events.has("traced-timeout", "shutdown:2"));
		SimpleSpan span = awaitSpan("/limited/sleep", "TIMEOUT");
		assertThat(span.getError()).isInstanceOf(RequestStoppedException.class);
		assertThat(span.getEvents()).extracting(Map.Entry::getValue).contains(RequestObservationEvents.TIMED_OUT);
		assertThat(span.getTags()).containsEntry("status", "503");
	}

	@Test
	void theStartersFilterRunsInsideTheObservationFilterAndBeforeSecurity() {
		Map<String, Integer> orders = new java.util.HashMap<>();
		this.context.getBeansOfType(FilterRegistrationBean.class)
			.forEach((name, registration) -> orders.put(registration.getFilter().getClass().getSimpleName(),
					registration.getOrder()));
		Integer observation = orders.get("ServerHttpObservationFilter");
		assertThat(observation).as("Spring Boot's observation filter, in %s", orders).isNotNull();
		assertThat(orders.get("ConnectionStatusFilter")).isEqualTo(ConnectionStatusFilter.ORDER)
			.isGreaterThan(observation)
			// SecurityFilterProperties.DEFAULT_FILTER_ORDER (checked with Spring Security
			// present by the security tests).
			.isLessThan(-100);
	}

	@Test
	void slowRequestIsLoggedOnceWithItsStackAndShownByTheEndpoint(CapturedOutput output) throws Exception {
		String tag = "slow-logged";
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=" + tag + "&ms=3000");
			await().atMost(WAIT).until(() -> this.events.has(tag, "started"));
			await().atMost(WAIT).until(() -> output.toString().contains("(GET /sleep) still running after"));
			String logged = output.toString();
			String line = logged.lines().filter((l) -> l.contains("(GET /sleep) still running after")).findFirst()
				.orElseThrow();
			assertThat(line).contains("WARN").contains("(threshold PT0.4S)").doesNotContain(tag);
			String id = line.substring(line.indexOf("Slow request ") + 13, line.indexOf(" (GET /sleep)"));
			assertThat(logged).contains("Thread.sleep").contains("ScenarioController.sleep");
			Actuator.Response one = new Actuator(this.port).get(id);
			assertThat(one.status()).isEqualTo(200);
			JsonNode stack = one.json().get("stack");
			assertThat(stack).as(one.body()).isNotNull();
			assertThat(stack.propertyNames()).hasSize(1);
			assertThat(stack.toString()).contains("Thread.sleep").contains("ScenarioController");
			// Not in the list of all requests.
			JsonNode listed = Actuator.find(new Actuator(this.port).connections(), "/sleep");
			assertThat(listed).isNotNull();
			assertThat(listed.has("stack")).isFalse();
			assertThat(client.readUntil("done 0", WAIT)).contains("200");
		}
		await().atMost(WAIT).until(() -> this.events.has(tag, "shutdown:0"));
		// Once per request.
		assertThat(output.toString().split("\\(GET /sleep\\) still running after", -1).length - 1).isOne();
	}

	private SimpleSpan awaitSpan(String uri, String connectionStatus) {
		return await().atMost(WAIT)
			.until(() -> this.tracer.getSpans()
				.stream()
				.filter((span) -> uri.equals(span.getTags().get("uri"))
						&& connectionStatus.equals(span.getTags().get("connection.status")))
				.reduce((first, second) -> second)
				.orElse(null), (span) -> span != null);
	}

	private HttpResponse<String> get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(WAIT)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** The COUNT of http.server.requests with the given tags, 0 if none was recorded. */
	private long count(String... tags) throws Exception {
		HttpResponse<String> response = get(metricsPath(tags));
		if (response.statusCode() == 404) {
			return 0;
		}
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		for (JsonNode measurement : json.readTree(response.body()).get("measurements")) {
			if (measurement.get("statistic").asString().equals("COUNT")) {
				return measurement.get("value").asLong();
			}
		}
		throw new IllegalStateException("No COUNT in " + response.body());
	}

	private List<String> tagValues(String tag) throws Exception {
		JsonNode body = json.readTree(get(metricsPath()).body());
		for (JsonNode available : body.get("availableTags")) {
			if (available.get("tag").asString().equals(tag)) {
				return available.get("values").valueStream().map(JsonNode::asString).toList();
			}
		}
		return List.of();
	}

	private static String metricsPath(String... tags) {
		StringBuilder path = new StringBuilder("/actuator/metrics/http.server.requests");
		for (int i = 0; i < tags.length; i++) {
			path.append(i == 0 ? '?' : '&').append("tag=").append(tags[i]);
		}
		return path.toString();
	}

}
