/**
 * The Tomcat adapter: the only code that touches Tomcat's internals.
 */
@NullMarked
package io.github.connectionhandling.container.tomcat;

import org.jspecify.annotations.NullMarked;
