package io.github.connectionhandling.it;

import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
class JettyVirtualThreadAbortTests extends AbstractVirtualThreadAbortTests {

}
