package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * h2c on Jetty: a reset stream and a lost connection reach each stream's request as
 * Jetty's request failure listener.
 */
@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.http2.enabled=true", AbstractConnectionsEndpointTests.PROPERTIES })
class JettyHttp2Tests extends AbstractHttp2Tests {

}
