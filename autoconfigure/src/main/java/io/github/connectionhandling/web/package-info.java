/**
 * The servlet and Spring MVC glue: the filter that opens, binds and finishes each
 * request's status, the request and response wrappers, the async interceptors, the
 * handler interceptor for the annotations and the argument resolver.
 */
@NullMarked
package io.github.connectionhandling.web;

import org.jspecify.annotations.NullMarked;
