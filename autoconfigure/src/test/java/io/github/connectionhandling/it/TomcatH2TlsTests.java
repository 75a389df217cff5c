package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * h2 over TLS (ALPN) on Tomcat, with a self-signed key store made when the test starts.
 */
@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.http2.enabled=true", AbstractConnectionsEndpointTests.PROPERTIES })
class TomcatH2TlsTests extends AbstractHttp2Tests {

	@DynamicPropertySource
	static void ssl(DynamicPropertyRegistry registry) throws Exception {
		SelfSignedTls.register(registry);
	}

	@Override
	boolean tls() {
		return true;
	}

}
