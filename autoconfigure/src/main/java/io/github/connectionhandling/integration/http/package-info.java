/**
 * Outgoing HTTP calls made through {@code RestClient}, {@code RestTemplate} or
 * {@code WebClient} are aborted when the request they are made for is stopped.
 */
@NullMarked
package io.github.connectionhandling.integration.http;

import org.jspecify.annotations.NullMarked;
