/**
 * What the starter needs from a servlet container: a request's client connection (its
 * socket channel and addresses) and the connections the server holds. One adapter per
 * container, in its own sub-package; no container class is used outside them.
 */
@NullMarked
package io.github.connectionhandling.container;

import org.jspecify.annotations.NullMarked;
