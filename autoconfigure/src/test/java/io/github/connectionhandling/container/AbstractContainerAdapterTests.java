package io.github.connectionhandling.container;

import java.time.Duration;

import io.github.connectionhandling.it.RawHttp;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins what an adapter reaches inside its container: the connection of a request is the
 * live, non-blocking socket channel of the client's connection, with the right addresses,
 * and it is among the server's open connections. A container upgrade that breaks the
 * way there fails here.
 */
public abstract class AbstractContainerAdapterTests {

	@LocalServerPort
	protected int port;

	@Autowired
	protected ServerConnections connections;

	protected abstract Class<? extends ContainerAdapter> adapterType();

	@Test
	void oneAdapterOfThisContainerIsRegistered() {
		assertThat(this.connections.adapters()).singleElement().isInstanceOf(adapterType());
	}

	@Test
	void connectionOfRequestIsTheClientsLiveSocketChannel() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			String body = client.get("/detect/connection").readResponse(Duration.ofSeconds(10)).body();
			assertThat(body).contains("adapter=" + adapterType().getSimpleName() + "\n")
				.doesNotContain("channelClass=null")
				.contains("channelOpen=true\n")
				.contains("channelBlocking=false\n")
				.contains("channelRemotePort=" + client.localPort() + "\n")
				.contains("channelLocalPort=" + this.port + "\n")
				.contains("remotePort=" + client.localPort() + "\n")
				.contains("localPort=" + this.port + "\n")
				.contains("open=true\n")
				.contains("listed=true\n");
		}
	}

	@Test
	void openConnectionsCountsIdleKeepAliveConnections() throws Exception {
		try (RawHttp first = RawHttp.connect(this.port); RawHttp second = RawHttp.connect(this.port)) {
			first.get("/status").readResponse(Duration.ofSeconds(10));
			second.get("/status").readResponse(Duration.ofSeconds(10));
			ContainerAdapter adapter = this.connections.adapters().get(0);
			assertThat(adapter.openConnectionCount()).isGreaterThanOrEqualTo(2);
			assertThat(adapter.openConnections()).filteredOn((connection) -> connection.remoteAddress() != null
					&& (connection.remoteAddress().getPort() == first.localPort()
							|| connection.remoteAddress().getPort() == second.localPort()))
				.hasSize(2)
				.allMatch((connection) -> connection.channel() != null && connection.channel().isOpen());
		}
	}

}
