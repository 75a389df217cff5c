/**
 * Auto-configuration: properties, their validation and failure analysis, and the beans
 * that wire the request lifecycle, detection, time limits and the actuator together.
 */
@NullMarked
package io.github.connectionhandling.autoconfigure;

import org.jspecify.annotations.NullMarked;
