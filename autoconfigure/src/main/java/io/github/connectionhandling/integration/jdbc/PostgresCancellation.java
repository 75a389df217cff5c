package io.github.connectionhandling.integration.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.postgresql.PGConnection;

/**
 * Cancels a running fetch on PostgreSQL: its driver's {@code Statement.cancel()} does
 * nothing while a result set fetches more rows of a cursor (a fetch size with auto-commit
 * off), {@link PGConnection#cancelQuery()} cancels whatever the connection runs. Loaded
 * only when the driver is on the class path.
 */
final class PostgresCancellation {

	private PostgresCancellation() {
	}

	static void cancelFetch(Statement statement) throws SQLException {
		Connection connection = statement.getConnection();
		if (connection.isWrapperFor(PGConnection.class)) {
			connection.unwrap(PGConnection.class).cancelQuery();
		}
	}

}
