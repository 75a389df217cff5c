package io.github.connectionhandling.autoconfigure;

import java.util.List;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The registrar adds each of its own context's servers once: not a child context's (the
 * actuator's on {@code management.server.port}, whose event reaches the parent too), and
 * not again when a context that was stopped is started again and announces it anew.
 */
class AdapterRegistrarTests {

	private final ServerConnections connections = new ServerConnections();

	private final WebServerApplicationContext context = mock(WebServerApplicationContext.class);

	private final AdapterRegistrar registrar = new AdapterRegistrar(this.context, this.connections, Adapter::new);

	@Test
	void eachServerOfItsContextIsAddedOnce() {
		WebServer server = mock(WebServer.class);
		WebServer other = mock(WebServer.class);
		this.registrar.onApplicationEvent(new Initialized(server, this.context));
		this.registrar.onApplicationEvent(new Initialized(other, this.context));
		// The context was stopped and started again.
		this.registrar.onApplicationEvent(new Initialized(server, this.context));
		assertThat(this.connections.adapters()).extracting(ContainerAdapter::describe)
			.containsExactly(server.toString(), other.toString());
	}

	@Test
	void aChildContextsServerIsLeftAlone() {
		WebServerApplicationContext child = mock(WebServerApplicationContext.class);
		this.registrar.onApplicationEvent(new Initialized(mock(WebServer.class), child));
		assertThat(this.connections.adapters()).isEmpty();
	}

	private static final class Initialized extends WebServerInitializedEvent {

		private final WebServerApplicationContext context;

		Initialized(WebServer server, WebServerApplicationContext context) {
			super(server);
			this.context = context;
		}

		@Override
		public WebServerApplicationContext getApplicationContext() {
			return this.context;
		}

	}

	private record Adapter(WebServer server) implements ContainerAdapter {

		@Override
		public String describe() {
			return this.server.toString();
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
			return 0;
		}

	}

}
