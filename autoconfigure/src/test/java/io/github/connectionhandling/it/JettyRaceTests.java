package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { SoakApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=connections",
				"management.endpoint.connections.access=unrestricted", "spring.task.execution.pool.core-size=32" })
class JettyRaceTests extends AbstractRaceTests {

}
