/**
 * Observability of aborts and timeouts beyond the starter's own meters: the
 * {@code connection.status} key on Spring's {@code http.server.requests} observations,
 * span events at the moment a request is aborted or times out, and the slow-request log.
 * Micrometer Observation and Tracing are optional: each piece is configured only when its
 * library is on the class path.
 */
@NullMarked
package io.github.connectionhandling.observation;

import org.jspecify.annotations.NullMarked;
