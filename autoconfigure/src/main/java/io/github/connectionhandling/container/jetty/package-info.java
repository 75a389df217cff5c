/**
 * The Jetty adapter: the only code that touches Jetty's internals.
 */
@NullMarked
package io.github.connectionhandling.container.jetty;

import org.jspecify.annotations.NullMarked;
