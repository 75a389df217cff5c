package io.github.connectionhandling.autoconfigure;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ServerConnections;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Adds a container's adapter when one of its servers has started: only this context's
 * servers. A child context's server (the actuator's own on {@code management.server.port})
 * publishes its event to this context too, but its requests do not pass this context's
 * filter, so its connections are not the application's to count or reap.
 */
final class AdapterRegistrar implements ApplicationListener<WebServerInitializedEvent>, Ordered {

	private final ApplicationContext context;

	private final ServerConnections connections;

	private final Function<WebServer, @Nullable ContainerAdapter> factory;

	/** Servers already added: a context that is stopped and started again says so again. */
	private final Set<WebServer> added = ConcurrentHashMap.newKeySet();

	AdapterRegistrar(ApplicationContext context, ServerConnections connections,
			Function<WebServer, @Nullable ContainerAdapter> factory) {
		this.context = context;
		this.connections = connections;
		this.factory = factory;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getApplicationContext() != this.context || !this.added.add(event.getWebServer())) {
			return;
		}
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
