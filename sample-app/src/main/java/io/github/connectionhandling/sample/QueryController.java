package io.github.connectionhandling.sample;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.connectionhandling.ConnectionStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A long query on the embedded H2 database: when the client leaves, the starter cancels
 * the statement (Statement.cancel()), which an interrupt alone would not stop.
 */
@RestController
@RequestMapping("/php")
class QueryController {

	private static final Log logger = LogFactory.getLog(QueryController.class);

	private final JdbcTemplate jdbc;

	private final List<String> outcomes = new CopyOnWriteArrayList<>();

	QueryController(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** Scans a hundred billion rows; leave with Ctrl-C and the query is cancelled at once. */
	@GetMapping("/query")
	String query(ConnectionStatus status) {
		long started = System.nanoTime();
		try {
			Double sum = this.jdbc.queryForObject("SELECT SUM(RAND()) FROM SYSTEM_RANGE(1, 100000000000)", Double.class);
			return "sum = " + sum + "\n";
		}
		catch (RuntimeException ex) {
			String outcome = "query stopped after " + (System.nanoTime() - started) / 1_000_000 + " ms, status "
					+ status.bits() + ": " + ex.getClass().getSimpleName();
			logger.info(outcome);
			this.outcomes.add(outcome);
			throw ex;
		}
	}

	/** How the long queries ended. */
	@GetMapping("/queries")
	List<String> outcomes() {
		return this.outcomes;
	}

}
