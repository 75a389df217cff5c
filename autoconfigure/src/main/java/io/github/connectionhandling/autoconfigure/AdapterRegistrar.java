package io.github.connectionhandling.autoconfigure;

import java.util.function.Function;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ServerConnections;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Adds a container's adapter when one of its servers has started.
 */
final class AdapterRegistrar implements ApplicationListener<WebServerInitializedEvent>, Ordered {

	private final ServerConnections connections;

	private final Function<WebServer, @Nullable ContainerAdapter> factory;

	AdapterRegistrar(ServerConnections connections, Function<WebServer, @Nullable ContainerAdapter> factory) {
		this.connections = connections;
		this.factory = factory;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		ContainerAdapter adapter = this.factory.apply(event.getWebServer());
		if (adapter != null) {
			this.connections.add(adapter);
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
