package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

// Jetty needs threads of its own for the acceptor and the selector besides the workers.
@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.jetty.threads.max=4", "server.jetty.threads.min=4", "server.jetty.threads.acceptors=1",
				"server.jetty.threads.selectors=1", "spring.task.execution.pool.core-size=1",
				"spring.task.execution.pool.max-size=1" })
class JettyInterruptHygieneTests extends AbstractInterruptHygieneTests {

}
