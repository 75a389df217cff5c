package io.github.connectionhandling.autoconfigure;

import java.util.HashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the {@code connections} endpoint
 * ({@code management.endpoint.connections.*}).
 */
@ConfigurationProperties("management.endpoint.connections")
public class ConnectionsEndpointProperties {

	/**
	 * When to show the remote addresses and query strings of requests.
	 */
	private Show showValues = Show.NEVER;

	/**
	 * Roles used to determine whether a user is authorized to be shown remote addresses
	 * and query strings. When empty, all authenticated users are authorized.
	 */
	private final Set<String> roles = new HashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

}
