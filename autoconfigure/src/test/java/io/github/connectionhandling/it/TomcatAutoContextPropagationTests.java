package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ReactiveApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = AbstractAutoContextPropagationTests.AUTO)
class TomcatAutoContextPropagationTests extends AbstractAutoContextPropagationTests {

}
