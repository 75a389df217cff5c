package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class JettyAbortTests extends AbstractAbortTests {

}
