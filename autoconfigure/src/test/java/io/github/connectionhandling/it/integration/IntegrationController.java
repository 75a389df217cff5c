package io.github.connectionhandling.it.integration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.TimeLimit;
import io.github.connectionhandling.it.Events;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints whose work runs in a database or in {@code @Async} tasks; each records under its tag how that work ended: {@code done}, or
 * {@code stopped:<bits>:<cause>} when it failed with a {@link RequestStoppedException}
 * (the cause is the SQL state or the client exception's class), or {@code failed:<class>}.
 */
@RestController
public class IntegrationController {

	private final Events events;

	private final DataSource dataSource;

	private final JdbcTemplate jdbcTemplate;

	private final EntityManagerFactory entityManagerFactory;

	private final AsyncWork asyncWork;

	private final String sleepSql;

	private final String shortSql;

	private final String fetchSql;

	final Map<String, Future<String>> futures = new ConcurrentHashMap<>();

	public IntegrationController(Events events, DataSource dataSource, EntityManagerFactory entityManagerFactory,
			AsyncWork asyncWork,
			@Value("${it.db.sleep-sql:SELECT SUM(RAND()) FROM SYSTEM_RANGE(1, 100000000000)}") String sleepSql, @Value("${it.db.short-sql:SELECT SLEEP_MS(1500)}") String shortSql,
			@Value("${it.db.fetch-sql:}") String fetchSql) {
		this.events = events;
		this.dataSource = dataSource;
		this.jdbcTemplate = new JdbcTemplate(dataSource);
		this.entityManagerFactory = entityManagerFactory;
		this.asyncWork = asyncWork;
		this.sleepSql = sleepSql;
		this.shortSql = shortSql;
		this.fetchSql = fetchSql;
	}

	@GetMapping("/db/sleep")
	String dbSleep(ConnectionStatus status, @RequestParam String tag, @RequestParam String via) {
		return query(status, tag, via, this.sleepSql);
	}

	@TimeLimit("1s")
	@GetMapping("/db/limited")
	String dbLimited(ConnectionStatus status, @RequestParam String tag, @RequestParam String via) {
		return query(status, tag, via, this.sleepSql);
	}

	@IgnoreUserAbort
	@GetMapping("/db/ignoring")
	String dbIgnoring(ConnectionStatus status, @RequestParam String tag) {
		String result = query(status, tag, "template", this.shortSql);
		this.events.add(tag, "aborted=" + status.isAborted());
		return result;
	}

	/**
	 * A long fetch: a cursor read one row at a time, each fetched by {@code ResultSet.next()}
	 * (records {@code fetching} once the first row is in).
	 */
	@GetMapping("/db/fetch")
	String dbFetch(@RequestParam String tag) {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.setFetchSize(1);
				try (ResultSet rows = statement.executeQuery(this.fetchSql)) {
					int count = 0;
					while (rows.next()) {
						if (count++ == 0) {
							this.events.add(tag, "fetching");
						}
					}
				}
			}
			finally {
				connection.rollback();
			}
			this.events.add(tag, "done");
			return "done";
		}
		catch (SQLException | RuntimeException ex) {
			RuntimeException failure = (ex instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException(ex);
			this.events.add(tag, outcome(failure, (ex instanceof SQLException sql) ? sql.getSQLState() : null));
			throw failure;
		}
	}

	private String query(ConnectionStatus status, String tag, String via, String sql) {
		this.events.add(tag, "query-started");
		try {
			switch (via) {
				case "template" -> this.jdbcTemplate.queryForList(sql);
				case "plain" -> plain(sql);
				case "jpa" -> jpa(sql);
				default -> throw new IllegalArgumentException(via);
			}
			this.events.add(tag, "done");
			return "done";
		}
		catch (RuntimeException ex) {
			this.events.add(tag, outcome(ex, (ex.getCause() instanceof SQLException failure) ? failure.getSQLState() : null));
			throw ex;
		}
	}

	private void plain(String sql) {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			while (rows.next()) {
				rows.getObject(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void jpa(String sql) {
		EntityManager entityManager = this.entityManagerFactory.createEntityManager();
		try {
			entityManager.createNativeQuery(sql).getResultList();
		}
		finally {
			entityManager.close();
		}
	}

	@GetMapping("/async")
	String async(ConnectionStatus status, @RequestParam String tag) throws Exception {
		CompletableFuture<String> running = this.asyncWork.sleep(tag, status, 10_000);
		this.futures.put(tag + "-running", running);
		this.futures.put(tag + "-queued", this.asyncWork.record(tag));
		try {
			return running.get();
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "caller-interrupted");
			throw ex;
		}
	}

	/**
	 * Run an {@code @Async} task from the calling thread, which works for no request.
	 * @param tag the tag
	 * @return the task's result
	 * @throws Exception if it failed
	 */
	String asyncOutside(String tag) throws Exception {
		return this.asyncWork.sleep(tag, null, 1).get();
	}

	private String outcome(RuntimeException ex, String cause) {
		RequestStoppedException stopped = find(ex);
		if (stopped != null) {
			Throwable c = stopped.getCause();
			String why = (c instanceof SQLException sql) ? sql.getSQLState()
					: (c != null) ? c.getClass().getSimpleName() : "none";
			return "stopped:" + stopped.getBits() + ":" + why;
		}
		return "failed:" + ex.getClass().getSimpleName() + ":" + cause + ":" + ex.getMessage();
	}

	private static RequestStoppedException find(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof RequestStoppedException stopped) {
				return stopped;
			}
		}
		return null;
	}

}
