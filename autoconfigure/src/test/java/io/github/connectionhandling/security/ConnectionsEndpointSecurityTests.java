package io.github.connectionhandling.security;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.web.ConnectionStatusFilter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.servlet.AbstractFilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * With Spring Security on the class path the {@code connections} endpoint is secured like
 * every other actuator endpoint (Spring Boot's default: HTTP basic, any authenticated
 * user): no credentials, 401; a user, 200; a DELETE without the session's CSRF token,
 * refused. Aborting by id needs {@code access=unrestricted} on top. Remote addresses and query strings stay hidden by
 * default even from an authenticated user; {@code show-values=when-authorized} shows
 * them to users with the configured role only.
 */
class ConnectionsEndpointSecurityTests {

	static final String USER = "spring.security.user.name=ops";

	static final String PASSWORD = "spring.security.user.password=s3cret-pw";

	static final String ROLES = "spring.security.user.roles=OPS";

	static final String EXPOSE = "management.endpoints.web.exposure.include=connections,info";

	@BeforeAll
	static void securityIsOnTheClassPath() {
		// Run by the security-tests execution, which adds Spring Security; anywhere else
		// (e.g. -Dtest=... of the default execution) there is nothing to test.
		assumeTrue(Boolean.getBoolean("connection-handling.security-tests"), "run by the security-tests execution");
		assertThat(isPresent("org.springframework.security.web.SecurityFilterChain")).isTrue();
	}

	@Nested
	@SpringBootTest(classes = SecuredApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { USER, PASSWORD, ROLES, EXPOSE })
	class ReadOnlyByDefault {

		@LocalServerPort
		int port;

		@Autowired
		InFlightRequests requests;

		@Autowired
		ApplicationContext context;

		@Test
		void theStartersFilterRunsAfterTheObservationFilterAndBeforeTheSecurityChain() {
			Map<String, Integer> orders = new HashMap<>();
			this.context.getBeansOfType(AbstractFilterRegistrationBean.class)
				.forEach((name, registration) -> orders.put(name, registration.getOrder()));
			assertThat(orders).containsKeys("webMvcObservationFilter", "connectionStatusFilter",
					"securityFilterChainRegistration");
			// The status is final before the observation stops; the container's own request
			// reaches the starter, unwrapped by the security chain.
			assertThat(orders.get("connectionStatusFilter")).isEqualTo(ConnectionStatusFilter.ORDER)
				.isGreaterThan(orders.get("webMvcObservationFilter"))
				.isLessThan(orders.get("securityFilterChainRegistration"));
		}

		@Test
		void unauthenticatedCallsAreRefusedLikeOtherEndpoints() {
			Client client = new Client(this.port, null);
			assertThat(client.call("GET", "/actuator/connections").status()).isEqualTo(401);
			assertThat(client.call("GET", "/actuator/connections/abc").status()).isEqualTo(401);
			assertThat(client.call("DELETE", "/actuator/connections/abc").status()).isEqualTo(401);
			// The same answer as any other actuator endpoint (health aside, which Spring
			// Boot leaves open).
			assertThat(client.call("GET", "/actuator/info").status()).isEqualTo(401);
			assertThat(new Client(this.port, "ops:wrong").call("GET", "/actuator/connections").status())
				.isEqualTo(401);
		}

		@Test
		void aUserReadsButAddressesAndQueriesStayHidden() throws Exception {
			Client client = new Client(this.port, "ops:s3cret-pw");
			try (Waiting waiting = Waiting.start(this.port, "/waiting?token=s3cr3t-t0ken", this.requests)) {
				Response response = client.call("GET", "/actuator/connections");
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.body()).contains("\"uri\":\"/waiting\"")
					.doesNotContain("s3cr3t-t0ken")
					.doesNotContain("remoteAddress")
					.doesNotContain("127.0.0.1:" + waiting.localPort());
				Response one = client.call("GET", "/actuator/connections/" + waiting.id);
				assertThat(one.status()).isEqualTo(200);
				assertThat(one.body()).doesNotContain("s3cr3t-t0ken").doesNotContain("remoteAddress");
				// Spring Security's CSRF protection applies, as to any state-changing call
				// (refused before basic authentication is looked at: 401).
				assertThat(client.call("DELETE", "/actuator/connections/" + waiting.id).status()).isIn(401, 403);
				// With a session's CSRF token: read-only by default, DELETE is not mapped.
				assertThat(client.withCsrfToken().call("DELETE", "/actuator/connections/" + waiting.id).status())
					.isIn(404, 405);
				assertThat(this.requests.get(waiting.id).isAborted()).isFalse();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = SecuredApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { USER, PASSWORD, ROLES, EXPOSE, "management.endpoint.connections.access=unrestricted",
					"management.endpoint.connections.show-values=when-authorized",
					"management.endpoint.connections.roles=OPS" })
	class Unrestricted {

		@LocalServerPort
		int port;

		@Autowired
		InFlightRequests requests;

		@Test
		void deleteNeedsAuthenticationThenAborts() throws Exception {
			try (Waiting waiting = Waiting.start(this.port, "/waiting?token=s3cr3t-t0ken", this.requests)) {
				assertThat(new Client(this.port, null).call("DELETE", "/actuator/connections/" + waiting.id).status())
					.isEqualTo(401);
				assertThat(this.requests.get(waiting.id).isAborted()).isFalse();
				Client ops = new Client(this.port, "ops:s3cret-pw");
				assertThat(ops.call("DELETE", "/actuator/connections/" + waiting.id).status()).isIn(401, 403);
				assertThat(this.requests.get(waiting.id).isAborted()).isFalse();
				Response response = ops.withCsrfToken().call("DELETE", "/actuator/connections/" + waiting.id);
				assertThat(response.status()).as(response.body()).isEqualTo(200);
				assertThat(response.body()).contains("\"aborted\":true");
				assertThat(waiting.aborted.await(10, TimeUnit.SECONDS)).isTrue();
			}
		}

		@Test
		void valuesAreShownToAUserWithTheConfiguredRole() throws Exception {
			try (Waiting waiting = Waiting.start(this.port, "/waiting?token=visible-t0ken", this.requests)) {
				Response response = new Client(this.port, "ops:s3cret-pw").call("GET", "/actuator/connections");
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.body()).contains("visible-t0ken").contains("\"remoteAddress\"");
			}
		}

	}

	static boolean isPresent(String className) {
		try {
			Class.forName(className);
			return true;
		}
		catch (ClassNotFoundException ex) {
			return false;
		}
	}

	record Response(int status, String body) {
	}

	/** An operator's HTTP client: basic credentials, a session, and its CSRF token once asked. */
	static final class Client {

		private final int port;

		private final String credentials;

		private final HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.cookieHandler(new java.net.CookieManager())
			.build();

		private String csrfToken;

		Client(int port, String credentials) {
			this.port = port;
			this.credentials = credentials;
		}

		/** Take the CSRF token a browser would, from the login page of this session. */
		Client withCsrfToken() {
			String page = call("GET", "/login").body();
			java.util.regex.Matcher token = java.util.regex.Pattern
				.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"")
				.matcher(page);
			assertThat(token.find()).as("a CSRF token on the login page: " + page).isTrue();
			this.csrfToken = token.group(1);
			return this;
		}

		Response call(String method, String path) {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.method(method, HttpRequest.BodyPublishers.noBody())
				.timeout(Duration.ofSeconds(10));
			if (this.credentials != null) {
				request.header("Authorization", "Basic "
						+ Base64.getEncoder().encodeToString(this.credentials.getBytes(StandardCharsets.UTF_8)));
			}
			if (this.csrfToken != null) {
				request.header("X-CSRF-TOKEN", this.csrfToken);
			}
			try {
				HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
				return new Response(response.statusCode(), response.body());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

	}

	/** A request held in flight by {@link WaitingController}, authenticated as ops. */
	static final class Waiting implements AutoCloseable {

		final java.net.Socket socket;

		final String id;

		final CountDownLatch aborted;

		private Waiting(java.net.Socket socket, String id, CountDownLatch aborted) {
			this.socket = socket;
			this.id = id;
			this.aborted = aborted;
		}

		static Waiting start(int port, String path, InFlightRequests requests) throws Exception {
			java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
			String auth = Base64.getEncoder().encodeToString("ops:s3cret-pw".getBytes(StandardCharsets.UTF_8));
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic " + auth + "\r\n\r\n")
					.getBytes(StandardCharsets.ISO_8859_1));
			String[] id = new String[1];
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				for (RequestHandle handle : requests.all()) {
					if (handle.getInfo().uri().equals("/waiting") && handle.getHandler() != null) {
						id[0] = handle.getId();
						return true;
					}
				}
				return false;
			});
			return new Waiting(socket, id[0], WaitingController.latch);
		}

		int localPort() {
			return this.socket.getLocalPort();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

	@RestController
	static class WaitingController {

		static volatile CountDownLatch latch = new CountDownLatch(1);

		@GetMapping("/waiting")
		String waiting(ConnectionStatus status) throws InterruptedException {
			CountDownLatch aborted = new CountDownLatch(1);
			latch = aborted;
			status.onClose((s) -> aborted.countDown());
			Thread.sleep(10_000);
			return "done";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(WaitingController.class)
	static class SecuredApp {

		@Bean
		TomcatServletWebServerFactory tomcatServletWebServerFactory() {
			return new TomcatServletWebServerFactory();
		}

	}

}
