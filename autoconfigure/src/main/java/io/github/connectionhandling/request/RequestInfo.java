package io.github.connectionhandling.request;

import org.jspecify.annotations.Nullable;

/**
 * What the actuator shows about a request, captured once at its start.
 *
 * @param method the HTTP method
 * @param uri the request URI, without the query string
 * @param query the query string, if any
 * @param remoteAddress the client's address and port
 * @param protocol the protocol, e.g. {@code HTTP/1.1}
 */
public record RequestInfo(String method, String uri, @Nullable String query, @Nullable String remoteAddress,
		String protocol) {

}
