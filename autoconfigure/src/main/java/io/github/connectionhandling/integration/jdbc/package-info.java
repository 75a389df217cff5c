/**
 * JDBC statements are cancelled ({@link java.sql.Statement#cancel()}) when the request
 * that runs them is stopped.
 */
@NullMarked
package io.github.connectionhandling.integration.jdbc;

import org.jspecify.annotations.NullMarked;
