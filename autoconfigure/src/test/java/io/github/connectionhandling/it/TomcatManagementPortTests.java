package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ConnectionsApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoints.web.exposure.include=connections",
				"management.endpoint.connections.access=unrestricted",
				// Both containers are on the test class path: each would add the actuator's
				// child context factory.
				"spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyServletManagementContextAutoConfiguration" })
class TomcatManagementPortTests extends AbstractManagementPortTests {

}
