package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * h2c on Tomcat: a reset stream and a lost connection reach each stream's request through
 * its coyote hook ({@code DISPATCH_ERROR}).
 */
@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.http2.enabled=true", AbstractConnectionsEndpointTests.PROPERTIES })
class TomcatHttp2Tests extends AbstractHttp2Tests {

}
