/**
 * The per-request model: the status of one request, the threads and actions that do its
 * work, the registry of requests in flight, and the one place that signals an abort or a
 * timeout and finishes a request.
 */
@NullMarked
package io.github.connectionhandling.request;

import org.jspecify.annotations.NullMarked;
