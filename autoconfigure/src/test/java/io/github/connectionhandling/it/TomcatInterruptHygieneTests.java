package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1",
				"spring.task.execution.pool.core-size=1", "spring.task.execution.pool.max-size=1" })
class TomcatInterruptHygieneTests extends AbstractInterruptHygieneTests {

}
