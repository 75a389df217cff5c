package io.github.connectionhandling.container.tomcat;

import org.apache.tomcat.util.net.SocketWrapperBase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Addresses of a Tomcat connection: Tomcat reports port -1 for a socket that closed
 * before it looked the port up; that is no address, not an exception in the reaper's or
 * the detector's thread.
 */
class TomcatConnectionTests {

	@Test
	void portMinusOneIsNoAddress() {
		SocketWrapperBase<?> wrapper = mock(SocketWrapperBase.class);
		given(wrapper.getLocalAddr()).willReturn("127.0.0.1");
		given(wrapper.getLocalPort()).willReturn(-1);
		given(wrapper.getRemoteAddr()).willReturn("127.0.0.1");
		given(wrapper.getRemotePort()).willReturn(-1);
		TomcatContainerAdapter.TomcatConnection connection = new TomcatContainerAdapter.TomcatConnection(wrapper);
		assertThat(connection.localAddress()).isNull();
		assertThat(connection.remoteAddress()).isNull();
	}

	@Test
	void knownPortsAreAddresses() {
		SocketWrapperBase<?> wrapper = mock(SocketWrapperBase.class);
		given(wrapper.getLocalAddr()).willReturn("127.0.0.1");
		given(wrapper.getLocalPort()).willReturn(8080);
		given(wrapper.getRemoteAddr()).willReturn("127.0.0.1");
		given(wrapper.getRemotePort()).willReturn(50123);
		TomcatContainerAdapter.TomcatConnection connection = new TomcatContainerAdapter.TomcatConnection(wrapper);
		assertThat(connection.localAddress().getPort()).isEqualTo(8080);
		assertThat(connection.remoteAddress().getPort()).isEqualTo(50123);
	}

}
