package io.github.connectionhandling.it.integration;

import java.time.Duration;
import java.util.Optional;

import io.github.connectionhandling.it.Events;
import io.github.connectionhandling.it.RawHttp;
import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A statement a request runs is cancelled when its client goes away or its time limit runs
 * out, through {@code JdbcTemplate}, plain JDBC and JPA, and surfaces as a
 * {@code RequestStoppedException} caused by the driver's cancellation (SQL state 57014).
 */
abstract class AbstractJdbcCancellationTests {

	static final String CANCELLED = "57014";

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	/**
	 * Wait until the endpoint's statement runs in the database.
	 */
	abstract void awaitStatementRunning() throws Exception;

	/**
	 * Assert that the database runs no statement of the endpoints any more.
	 */
	abstract void assertNoStatementRunning() throws Exception;

	@ParameterizedTest
	@ValueSource(strings = { "template", "plain", "jpa" })
	void statementIsCancelledWhenClientCloses(String via) throws Exception {
		String tag = "abort-" + via;
		RawHttp client = RawHttp.connect(this.port).get("/db/sleep?tag=" + tag + "&via=" + via);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "query-started"));
		awaitStatementRunning();
		long closed = System.nanoTime();
		client.close();
		String outcome = awaitOutcome(tag);
		System.out.printf("%s: %s, cancelled %.1f ms after the client closed%n", getClass().getSimpleName(), tag,
				(this.events.nanosOf(tag, outcome) - closed) / 1e6);
		assertThat(outcome).isEqualTo("stopped:1:" + CANCELLED);
		await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		assertNoStatementRunning();
	}

	@Test
	void fetchIsCancelledWhenClientCloses() throws Exception {
		String tag = "fetch";
		RawHttp client = RawHttp.connect(this.port).get("/db/fetch?tag=" + tag);
		// The first row is in: the query runs on in ResultSet.next().
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "fetching"));
		awaitFetchRunning();
		long closed = System.nanoTime();
		client.close();
		String outcome = awaitOutcome(tag);
		System.out.printf("%s: fetch cancelled %.1f ms after the client closed%n", getClass().getSimpleName(),
				(this.events.nanosOf(tag, outcome) - closed) / 1e6);
		assertThat(outcome).isEqualTo("stopped:1:" + CANCELLED);
		await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		assertNoStatementRunning();
	}

	/**
	 * Wait until the fetch endpoint's query runs in the database, past its first row.
	 */
	abstract void awaitFetchRunning() throws Exception;

	@ParameterizedTest
	@ValueSource(strings = { "template", "plain", "jpa" })
	void statementIsCancelledWhenTimeLimitRunsOut(String via) throws Exception {
		String tag = "timeout-" + via;
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/db/limited?tag=" + tag + "&via=" + via)
				.readResponse(Duration.ofSeconds(15));
			assertThat(response.status()).isEqualTo(503);
		}
		assertThat(awaitOutcome(tag)).isEqualTo("stopped:2:" + CANCELLED);
		await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		assertNoStatementRunning();
	}

	@Test
	void statementIsNotCancelledWhenAbortsAreIgnored() throws Exception {
		String tag = "ignoring";
		RawHttp client = RawHttp.connect(this.port).get("/db/ignoring?tag=" + tag);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "query-started"));
		Thread.sleep(300);
		client.close();
		assertThat(awaitOutcome(tag)).isEqualTo("done");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "aborted=true"));
	}

	private String awaitOutcome(String tag) {
		return await().atMost(Duration.ofSeconds(15)).until(() -> outcome(tag), Optional::isPresent).orElseThrow();
	}

	private Optional<String> outcome(String tag) {
		return this.events.of(tag)
			.stream()
			.filter((e) -> e.equals("done") || e.startsWith("stopped:") || e.startsWith("failed:"))
			.findFirst();
	}

}
