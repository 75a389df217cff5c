package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ObservationApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { AbstractObservationTests.EXPOSE, AbstractObservationTests.SHOW_VALUES,
				AbstractObservationTests.SLOW_REQUESTS })
class JettyObservationTests extends AbstractObservationTests {

}
