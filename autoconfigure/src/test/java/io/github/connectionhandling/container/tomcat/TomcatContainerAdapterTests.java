package io.github.connectionhandling.container.tomcat;

import java.time.Duration;

import io.github.connectionhandling.container.AbstractContainerAdapterTests;
import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.it.DetectionApp;
import io.github.connectionhandling.it.OnTomcat;
import io.github.connectionhandling.it.RawHttp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class TomcatContainerAdapterTests extends AbstractContainerAdapterTests {

	@Override
	protected Class<? extends ContainerAdapter> adapterType() {
		return TomcatContainerAdapter.class;
	}

	/** The way to a request's connection where a Tomcat version lacks the private path. */
	@Test
	void connectionByPortsFindsTheClientsConnection() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/status").readResponse(Duration.ofSeconds(10));
			TomcatContainerAdapter adapter = (TomcatContainerAdapter) this.connections.adapters().get(0);
			MockHttpServletRequest request = new MockHttpServletRequest();
			request.setLocalPort(this.port);
			request.setRemotePort(client.localPort());
			request.setRemoteAddr("203.0.113.7"); // as a proxy's headers rewrite it: not used
			ContainerConnection connection = adapter.connectionByPorts(request);
			assertThat(connection).isNotNull();
			assertThat(connection.remoteAddress().getPort()).isEqualTo(client.localPort());
			assertThat(connection.channel()).isNotNull();
			assertThat(adapter.openConnections()).contains(connection);
			request.setRemotePort(client.localPort() == 1 ? 2 : 1);
			assertThat(adapter.connectionByPorts(request)).isNull();
		}
	}

}
