package io.github.connectionhandling.it.integration;

import io.github.connectionhandling.it.OnTomcat;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * JDBC cancellation against H2, the embedded default. The long query scans a huge range
 * (H2 checks for cancellation while it scans, and ignores interrupts there); the short one
 * calls {@code Thread.sleep} through a function alias. Queries run lazily, so the fetch
 * scans inside {@code ResultSet.next()}.
 */
@SpringBootTest(classes = { IntegrationApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:cancellation;DB_CLOSE_DELAY=-1;LAZY_QUERY_EXECUTION=TRUE",
				"it.db.fetch-sql=" + H2CancellationTests.FETCH_SQL,
				"it.db.sleep-sql=SELECT SUM(RAND()) FROM SYSTEM_RANGE(1, 100000000000)",
				"it.db.short-sql=SELECT SLEEP_MS(1500)" })
class H2CancellationTests extends AbstractJdbcCancellationTests {

	/** Lazily executed, a row about every hundred million scanned: each next() scans on. */
	static final String FETCH_SQL = "SELECT X FROM SYSTEM_RANGE(1, 100000000000) WHERE MOD(X, 100000000) = 1";

	@Autowired
	JdbcTemplate jdbcTemplate;

	@BeforeEach
	void createSleepFunction() {
		this.jdbcTemplate.execute("CREATE ALIAS IF NOT EXISTS SLEEP_MS FOR 'java.lang.Thread.sleep(long)'");
	}

	@Override
	void awaitStatementRunning() throws Exception {
		// H2 runs the statement on the request's thread: give it time to get into the scan.
		Thread.sleep(300);
	}

	@Override
	void awaitFetchRunning() throws Exception {
		Thread.sleep(300);
	}

	@Override
	void assertNoStatementRunning() {
		// The statement runs on the request's thread, which has finished.
	}

}
