package io.github.connectionhandling.actuate;

import java.util.Set;

import io.github.connectionhandling.actuate.ConnectionsEndpoint.ConnectionsDescriptor;
import io.github.connectionhandling.actuate.ConnectionsEndpoint.RequestDescriptor;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * {@link EndpointWebExtension @EndpointWebExtension} for the {@link ConnectionsEndpoint}:
 * shows remote addresses and query strings to authorized callers as {@code show-values}
 * and {@code roles} say, and answers 404 for an unknown request id.
 */
@EndpointWebExtension(endpoint = ConnectionsEndpoint.class)
public class ConnectionsEndpointWebExtension {

	private final ConnectionsEndpoint delegate;

	private final Show showValues;

	private final Set<String> roles;

	/**
	 * Create a new {@link ConnectionsEndpointWebExtension} instance.
	 * @param delegate the endpoint
	 * @param showValues when remote addresses and query strings are shown
	 * @param roles the roles that may see them with {@link Show#WHEN_AUTHORIZED}; any
	 * authenticated user when empty
	 */
	public ConnectionsEndpointWebExtension(ConnectionsEndpoint delegate, Show showValues, Set<String> roles) {
		this.delegate = delegate;
		this.showValues = showValues;
		this.roles = roles;
	}

	@ReadOperation
	public ConnectionsDescriptor connections(SecurityContext securityContext) {
		return this.delegate.connections(this.showValues.isShown(securityContext, this.roles));
	}

	@ReadOperation
	public WebEndpointResponse<RequestDescriptor> request(SecurityContext securityContext, @Selector String id) {
		return respond(this.delegate.request(id, this.showValues.isShown(securityContext, this.roles)));
	}

	@DeleteOperation
	public WebEndpointResponse<RequestDescriptor> abort(SecurityContext securityContext, @Selector String id) {
		return respond(this.delegate.abort(id, this.showValues.isShown(securityContext, this.roles)));
	}

	private static WebEndpointResponse<RequestDescriptor> respond(@Nullable RequestDescriptor descriptor) {
		return (descriptor != null) ? new WebEndpointResponse<>(descriptor, WebEndpointResponse.STATUS_OK)
				: new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
	}

}
