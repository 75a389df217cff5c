/**
 * Noticing at once that a client went away: one thread with its own selector watches the
 * channels of requests whose body has been read, and the kernel's TCP state tells a
 * close from pipelined bytes.
 */
@NullMarked
package io.github.connectionhandling.detection;

import org.jspecify.annotations.NullMarked;
