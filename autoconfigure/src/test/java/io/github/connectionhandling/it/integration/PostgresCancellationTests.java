package io.github.connectionhandling.it.integration;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;

import io.github.connectionhandling.it.OnTomcat;
import io.github.connectionhandling.it.RawHttp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JDBC cancellation against a real PostgreSQL server on loopback, set up by
 * {@code .ci/run}, which exports {@code CH_PG_URL}, {@code CH_PG_USER} and
 * {@code CH_PG_PASSWORD}. With {@code CI=true} a missing server fails these tests;
 * elsewhere they are skipped with a message saying how to run them.
 */
@SpringBootTest(classes = { IntegrationApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "it.db.sleep-sql=" + PostgresCancellationTests.SLEEP_SQL,
				"it.db.short-sql=SELECT 1 FROM pg_sleep(1.5)", "it.db.fetch-sql=" + PostgresCancellationTests.FETCH_SQL })
class PostgresCancellationTests extends AbstractJdbcCancellationTests {

	static final String SLEEP_SQL = "SELECT 1 FROM pg_sleep(30)";

	/** A cursor whose every row takes a second: each next() of a fetch size of 1 waits for one. */
	static final String FETCH_SQL = "SELECT g, pg_sleep(1) FROM generate_series(1, 30) g";

	static final String URL = env("CH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/ch_test");

	static final String USER = env("CH_PG_USER", "ch_test");

	static final String PASSWORD = env("CH_PG_PASSWORD", "ch_test");

	@BeforeAll
	static void requireServer() {
		try (Connection connection = connect()) {
			assertThat(connection.isValid(5)).isTrue();
		}
		catch (SQLException ex) {
			String message = "PostgreSQL is not reachable at " + URL + " as " + USER + " (" + ex.getMessage()
					+ "); .ci/run installs and starts it, and exports CH_PG_URL, CH_PG_USER and CH_PG_PASSWORD";
			if ("true".equals(System.getenv("CI"))) {
				throw new AssertionError(message, ex);
			}
			System.err.println("Skipping PostgresCancellationTests: " + message);
			Assumptions.abort(message);
		}
	}

	@DynamicPropertySource
	static void dataSource(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> URL);
		registry.add("spring.datasource.username", () -> USER);
		registry.add("spring.datasource.password", () -> PASSWORD);
	}

	/**
	 * Bench only ({@code bench/jdbc-cancel-latency.sh}): how long after the client's close
	 * a running {@code pg_sleep(30)} fails as cancelled, over {@code -Dbench.rounds} rounds.
	 * @throws Exception if a round failed
	 */
	@Test
	void benchCancelLatency() throws Exception {
		int rounds = Integer.getInteger("bench.rounds", 0);
		Assumptions.assumeTrue(rounds > 0, "Bench only: run with -Dbench.rounds=N");
		double[] millis = new double[rounds];
		for (int i = 0; i < rounds; i++) {
			String tag = "bench-" + i;
			RawHttp client = RawHttp.connect(this.port).get("/db/sleep?tag=" + tag + "&via=template");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "query-started"));
			awaitStatementRunning();
			long closed = System.nanoTime();
			client.close();
			String outcome = "stopped:1:" + CANCELLED;
			await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, outcome));
			millis[i] = (this.events.nanosOf(tag, outcome) - closed) / 1e6;
			await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		}
		Arrays.sort(millis);
		System.out.printf("bench jdbc-cancel-latency postgresql rounds=%d min=%.1fms median=%.1fms p90=%.1fms max=%.1fms%n",
				rounds, millis[0], millis[rounds / 2], millis[(int) Math.min(rounds - 1, Math.ceil(rounds * 0.9) - 1)],
				millis[rounds - 1]);
	}

	@Override
	void awaitStatementRunning() {
		await().atMost(Duration.ofSeconds(10)).until(() -> running() > 0);
	}

	@Override
	void awaitFetchRunning() {
		await().atMost(Duration.ofSeconds(10)).until(() -> running(FETCH_SQL) > 0);
	}

	@Override
	void assertNoStatementRunning() {
		// The server ends the cancelled backend's statement; nothing keeps sleeping.
		await().atMost(Duration.ofSeconds(5)).until(() -> running() == 0 && running(FETCH_SQL) == 0);
	}

	private static int running() throws SQLException {
		return running(SLEEP_SQL);
	}

	private static int running(String sql) throws SQLException {
		try (Connection connection = connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
			statement.setString(1, sql);
			try (ResultSet rows = statement.executeQuery()) {
				rows.next();
				return rows.getInt(1);
			}
		}
	}

	private static Connection connect() throws SQLException {
		return DriverManager.getConnection(URL, USER, PASSWORD);
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isEmpty()) ? value : fallback;
	}

}
