package io.github.connectionhandling.container;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The adapters of the application's running servers, added as each server starts (not
 * the actuator's own server on {@code management.server.port}: its requests do not pass
 * the application's filter).
 */
public final class ServerConnections {

	private final List<ContainerAdapter> adapters = new CopyOnWriteArrayList<>();

	/**
	 * Add the adapter of a server that started.
	 * @param adapter the adapter
	 */
	public void add(ContainerAdapter adapter) {
		this.adapters.add(adapter);
	}

	public List<ContainerAdapter> adapters() {
		return List.copyOf(this.adapters);
	}

	/**
	 * Return the client connection of a request, if a server's adapter reaches it.
	 * @param request the request
	 * @return the connection or {@code null}
	 */
	public @Nullable ContainerConnection connectionOf(HttpServletRequest request) {
		for (ContainerAdapter adapter : this.adapters) {
			ContainerConnection connection = adapter.connectionOf(request);
			if (connection != null) {
				return connection;
			}
		}
		return null;
	}

	/**
	 * Return the client connections all servers hold now.
	 * @return the connections
	 */
	public List<ContainerConnection> openConnections() {
		List<ContainerConnection> connections = new ArrayList<>();
		for (ContainerAdapter adapter : this.adapters) {
			connections.addAll(adapter.openConnections());
		}
		return connections;
	}

	/**
	 * Return the number of client connections all servers hold now.
	 * @return the count
	 */
	public int openConnectionCount() {
		int count = 0;
		for (ContainerAdapter adapter : this.adapters) {
			count += adapter.openConnectionCount();
		}
		return count;
	}

}
