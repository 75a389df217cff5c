/**
 * Tasks a request submits to Spring's task executors carry its status and are cancelled
 * with it.
 */
@NullMarked
package io.github.connectionhandling.integration.task;

import org.jspecify.annotations.NullMarked;
