/**
 * Execution time limits: one scheduler thread for all requests, on the wall clock or on
 * the CPU time of the request's threads.
 */
@NullMarked
package io.github.connectionhandling.timelimit;

import org.jspecify.annotations.NullMarked;
