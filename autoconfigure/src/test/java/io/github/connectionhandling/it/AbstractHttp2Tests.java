package io.github.connectionhandling.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.actuate.ConnectionsEndpoint;
import io.github.connectionhandling.container.ServerConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 (h2c, or h2 over TLS in the {@code *H2TlsTests}): many streams share one TCP
 * connection, so the TCP watch stays away from it and the container's own stream signal
 * tells. A reset stream ({@code RST_STREAM}, connection kept) aborts that stream only, its
 * siblings finish normally; a lost connection aborts every stream it carries; each
 * handler type is stopped; {@code open} counts the connection once.
 */
abstract class AbstractHttp2Tests extends DetectionTestSupport {

	/** One client per test class: its one connection stays open, so open counts are steady. */
	private static HttpClient client;

	private static boolean clientTls;

	@Autowired
	ServerConnections connections;

	@Autowired
	ConnectionsEndpoint endpoint;

	/** Whether the server speaks h2 over TLS rather than h2c. */
	boolean tls() {
		return false;
	}

	HttpClient client() throws Exception {
		if (client == null || clientTls != tls()) {
			HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2);
			if (tls()) {
				builder.sslContext(SelfSignedTls.clientContext());
			}
			client = builder.build();
			clientTls = tls();
		}
		return client;
	}

	RawH2 raw() throws Exception {
		return tls() ? RawH2.h2(this.port, SelfSignedTls.clientContext()) : RawH2.h2c(this.port);
	}

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	HttpResponse<String> get(String path) throws Exception {
		return client().send(request(path), BodyHandlers.ofString());
	}

	HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create((tls() ? "https" : "http") + "://127.0.0.1:" + this.port + path))
			.build();
	}

	/** Open the client's connection with a first request (h2c: upgraded, TLS: by ALPN). */
	void upgrade() throws Exception {
		HttpResponse<String> response = get("/status");
		assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
	}

	/** Each handler type, the path that starts it and the event that says it was stopped. */
	enum Handler {

		BLOCKING("/sleep", "started", "interrupted"),

		DEFERRED_RESULT("/deferred", "started", "error-callback"),

		SSE_EMITTER("/sse", "started", "error-callback"),

		STREAMING_RESPONSE_BODY("/streaming", "started", "interrupted"),

		CALLABLE("/callable", "callable-current=true", "interrupted"),

		COMPLETABLE_FUTURE("/future", "started", "future-cancelled");

		final String path;

		final String running;

		final String stopped;

		Handler(String path, String running, String stopped) {
			this.path = path;
			this.running = running;
			this.stopped = stopped;
		}

		String path(String tag) {
			return this.path + "?tag=" + tag;
		}

	}

	@Test
	void concurrentStreamsOnOneConnectionCompleteNormally() throws Exception {
		upgrade();
		long aborted = this.requests.totals().aborted();
		List<String> tags = new ArrayList<>();
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			String tag = tag("h2");
			tags.add(tag);
			responses.add(client().sendAsync(request("/detect/sleep?tag=" + tag + "&ms=" + (200 + 100 * i)),
					BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> response : responses) {
			HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
			assertThat(done.version()).isEqualTo(HttpClient.Version.HTTP_2);
			assertThat(done.body()).isEqualTo("done 0");
		}
		for (String tag : tags) {
			awaitEvent(tag, "shutdown:0");
			assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:"))
				.doesNotContain("interrupted");
		}
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

	@Test
	void aResetStreamIsAnAbortAndItsSiblingFinishesNormally() throws Exception {
		upgrade();
		long aborted = this.requests.totals().aborted();
		long normal = this.requests.totals().normal();
		String sibling = tag("h2-sibling");
		String tag = tag("h2-reset");
		CompletableFuture<HttpResponse<String>> siblingResponse = client()
			.sendAsync(request("/detect/sleep?ms=1500&tag=" + sibling), BodyHandlers.ofString());
		CompletableFuture<HttpResponse<String>> response = client().sendAsync(request("/detect/sleep?tag=" + tag),
				BodyHandlers.ofString());
		awaitEvent(sibling, "started");
		awaitEvent(tag, "started");
		// The JDK client resets the stream (RST_STREAM CANCEL) when its exchange is
		// cancelled, and keeps the connection for the sibling.
		response.cancel(true);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		HttpResponse<String> done = siblingResponse.get(10, TimeUnit.SECONDS);
		assertThat(done.statusCode()).isEqualTo(200);
		assertThat(done.body()).isEqualTo("done 0");
		awaitEvent(sibling, "shutdown:0");
		assertThat(this.events.of(sibling)).noneMatch((event) -> event.startsWith("close:"))
			.doesNotContain("interrupted");
		// At least: the shared client's own requests may end meanwhile (each type's exact
		// count is pinned below).
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(this.requests.totals().aborted()).isGreaterThanOrEqualTo(aborted + 1);
			assertThat(this.requests.totals().normal()).isGreaterThanOrEqualTo(normal + 1);
		});
		// The connection is still there for the next stream.
		assertThat(get("/status").statusCode()).isEqualTo(200);
	}

	@ParameterizedTest
	@EnumSource(Handler.class)
	void aResetStreamStopsEachHandlerType(Handler handler) throws Exception {
		upgrade();
		long aborted = this.requests.totals().aborted();
		String tag = tag("h2-reset-" + handler);
		CompletableFuture<HttpResponse<String>> response = client().sendAsync(request(handler.path(tag)),
				BodyHandlers.ofString());
		awaitEvent(tag, handler.running);
		response.cancel(true);
		awaitEvent(tag, handler.stopped);
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.requests.totals().aborted()).isEqualTo(aborted + 1));
	}

	@ParameterizedTest
	@EnumSource(Handler.class)
	void aLostConnectionStopsEachHandlerType(Handler handler) throws Exception {
		long aborted = this.requests.totals().aborted();
		String tag = tag("h2-lost-" + handler);
		RawH2 connection = raw();
		connection.get(handler.path(tag));
		awaitEvent(tag, handler.running);
		connection.abort();
		awaitEvent(tag, handler.stopped);
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.requests.totals().aborted()).isEqualTo(aborted + 1));
	}

	@Test
	void aLostConnectionAbortsEveryStreamItCarriesAndNoOther() throws Exception {
		upgrade();
		String other = tag("h2-other-connection");
		CompletableFuture<HttpResponse<String>> otherResponse = client()
			.sendAsync(request("/detect/sleep?ms=1500&tag=" + other), BodyHandlers.ofString());
		List<String> tags = List.of(tag("h2-lost"), tag("h2-lost"), tag("h2-lost"));
		RawH2 connection = raw();
		for (String tag : tags) {
			connection.get("/detect/sleep?tag=" + tag);
		}
		for (String tag : tags) {
			awaitEvent(tag, "started");
		}
		awaitEvent(other, "started");
		connection.close();
		for (String tag : tags) {
			awaitEvent(tag, "interrupted");
			awaitEvent(tag, "shutdown:1");
			assertClosedOnceOffRequestThread(tag);
		}
		assertThat(otherResponse.get(10, TimeUnit.SECONDS).body()).isEqualTo("done 0");
		awaitEvent(other, "shutdown:0");
		assertThat(this.events.of(other)).noneMatch((event) -> event.startsWith("close:"));
	}

	@Test
	void aRawResetKeepsTheConnectionAndItsSiblingGets200() throws Exception {
		String tag = tag("h2-raw-reset");
		String sibling = tag("h2-raw-sibling");
		try (RawH2 connection = raw()) {
			int reset = connection.get("/detect/sleep?tag=" + tag);
			int kept = connection.get("/detect/sleep?ms=1000&tag=" + sibling);
			awaitEvent(tag, "started");
			awaitEvent(sibling, "started");
			connection.reset(reset);
			awaitEvent(tag, "interrupted");
			awaitEvent(tag, "shutdown:1");
			assertClosedOnceOffRequestThread(tag);
			await().atMost(WAIT).until(() -> connection.ended(kept));
			assertThat(connection.status(kept)).isEqualTo("200");
			awaitEvent(sibling, "shutdown:0");
			assertThat(this.events.of(sibling)).noneMatch((event) -> event.startsWith("close:"));
		}
	}

	@Test
	void openCountsAnHttp2ConnectionOnceWhateverItsStreams() throws Exception {
		upgrade();
		int before = this.connections.openConnectionCount();
		List<String> tags = List.of(tag("h2-open"), tag("h2-open"), tag("h2-open"));
		try (RawH2 connection = raw()) {
			for (String tag : tags) {
				connection.get("/detect/sleep?ms=3000&tag=" + tag);
			}
			for (String tag : tags) {
				awaitEvent(tag, "started");
			}
			assertThat(this.endpoint.connections().getActive()).isGreaterThanOrEqualTo(3);
			assertThat(this.endpoint.connections().getOpen()).isEqualTo(before + 1);
			assertThat(this.connections.openConnections())
				.filteredOn((open) -> open.remoteAddress() != null
						&& open.remoteAddress().getPort() == connection.localPort())
				.hasSize(1);
		}
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.connections.openConnectionCount()).isEqualTo(before));
	}

	@Test
	void aCommittedTimeoutResetsItsStreamOnlyNotTheConnection() throws Exception {
		String tag = tag("h2-committed-timeout");
		String sibling = tag("h2-timeout-sibling");
		try (RawH2 connection = raw()) {
			int late = connection.get("/detect/committed-then-late?tag=" + tag);
			int kept = connection.get("/detect/sleep?ms=2500&tag=" + sibling);
			awaitEvent(tag, "shutdown:2");
			// Cut off: the client never sees that stream end as if it were complete.
			await().atMost(WAIT).until(() -> connection.ended(late));
			assertThat(connection.resetByServer(late)).isTrue();
			await().atMost(WAIT).until(() -> connection.ended(kept));
			assertThat(connection.resetByServer(kept)).isFalse();
			assertThat(connection.status(kept)).isEqualTo("200");
			awaitEvent(sibling, "shutdown:0");
		}
	}

}
