package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ConnectionsApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { AbstractRehearsalTests.PROPERTIES, AbstractRehearsalTests.REHEARSE })
class JettyRehearsalTests extends AbstractRehearsalTests {

}
