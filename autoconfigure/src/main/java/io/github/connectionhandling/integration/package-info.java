/**
 * Stops a request's work where it really runs, once the request is stopped (its client
 * went away and aborts are not ignored, or its time limit ran out): JDBC statements are
 * cancelled, outgoing HTTP calls aborted, tasks it submitted cancelled or interrupted.
 * Interrupting the request's thread alone does not do that: a JDBC driver or an HTTP
 * client blocked on a socket ignores {@code Thread.interrupt()}.
 * <p>
 * Work that fails because it was stopped surfaces as a
 * {@link io.github.connectionhandling.RequestStoppedException} (whose bits say why) with
 * the driver's or client's exception as its cause.
 */
@NullMarked
package io.github.connectionhandling.integration;

import org.jspecify.annotations.NullMarked;
