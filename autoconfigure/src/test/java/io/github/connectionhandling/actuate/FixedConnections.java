package io.github.connectionhandling.actuate;

import java.util.List;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * A server holding a set number of connections, for summing over servers.
 */
final class FixedConnections implements ContainerAdapter {

	private final int count;

	FixedConnections(int count) {
		this.count = count;
	}

	@Override
	public String describe() {
		return "fixed " + this.count;
	}

	@Override
	public @Nullable ContainerConnection connectionOf(HttpServletRequest request) {
		return null;
	}

	@Override
	public List<ContainerConnection> openConnections() {
		return List.of();
	}

	@Override
	public int openConnectionCount() {
		return this.count;
	}

}
