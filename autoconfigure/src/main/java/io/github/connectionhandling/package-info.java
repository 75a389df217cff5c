/**
 * The public API: {@link io.github.connectionhandling.ConnectionStatus} and the
 * annotations that configure an endpoint. Everything in sub-packages is internal.
 */
@NullMarked
package io.github.connectionhandling;

import org.jspecify.annotations.NullMarked;
