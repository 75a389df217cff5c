package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ConnectionsApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { AbstractRehearsalTests.PROPERTIES, AbstractRehearsalTests.REHEARSE })
class TomcatRehearsalTests extends AbstractRehearsalTests {

}
