package io.github.connectionhandling.it.integration;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import io.github.connectionhandling.it.OnTomcat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

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
				"it.db.short-sql=SELECT 1 FROM pg_sleep(1.5)" })
class PostgresCancellationTests extends AbstractJdbcCancellationTests {

	static final String SLEEP_SQL = "SELECT 1 FROM pg_sleep(30)";

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

	@Override
	void awaitStatementRunning() {
		await().atMost(Duration.ofSeconds(10)).until(() -> running() > 0);
	}

	@Override
	void assertNoStatementRunning() {
		// The server ends the cancelled backend's statement; nothing keeps sleeping.
		await().atMost(Duration.ofSeconds(5)).until(() -> running() == 0);
	}

	private static int running() throws SQLException {
		try (Connection connection = connect();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
			statement.setString(1, SLEEP_SQL);
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
