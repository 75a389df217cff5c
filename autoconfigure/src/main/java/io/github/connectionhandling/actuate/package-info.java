/**
 * Monitoring: the {@code connections} actuator endpoint and Micrometer meters. Both are
 * optional: they are configured only when Spring Boot's actuator, respectively
 * Micrometer, is on the class path.
 */
@NullMarked
package io.github.connectionhandling.actuate;

import org.jspecify.annotations.NullMarked;
