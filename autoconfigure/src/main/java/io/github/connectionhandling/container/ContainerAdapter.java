package io.github.connectionhandling.container;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Reaches into one servlet container for what the servlet API does not offer.
 */
public interface ContainerAdapter {

	/**
	 * Return a short description of the container and how connections are reached, for
	 * the start-up log.
	 * @return the description
	 */
	String describe();

	/**
	 * Return the client connection of a request as the container gave it (unwrapped).
	 * @param request the request
	 * @return the connection, or {@code null} if this container did not serve it or its
	 * connection cannot be reached
	 */
	@Nullable ContainerConnection connectionOf(HttpServletRequest request);

	/**
	 * Return the client connections the server holds now, over all its connectors.
	 * @return the connections
	 */
	List<ContainerConnection> openConnections();

	/**
	 * Return the number of client connections the server holds now.
	 * @return the count
	 */
	int openConnectionCount();

}
