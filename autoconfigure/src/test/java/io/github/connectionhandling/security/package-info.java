/**
 * The connections endpoint under Spring Security, run by their own Surefire execution
 * with Spring Security on the class path.
 */
@NullMarked
package io.github.connectionhandling.security;

import org.jspecify.annotations.NullMarked;
