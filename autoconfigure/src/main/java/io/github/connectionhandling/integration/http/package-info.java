/**
 * Outgoing HTTP calls made through {@code RestClient} or {@code RestTemplate} are aborted
 * when the request they are made for is stopped.
 */
@NullMarked
package io.github.connectionhandling.integration.http;

import org.jspecify.annotations.NullMarked;
