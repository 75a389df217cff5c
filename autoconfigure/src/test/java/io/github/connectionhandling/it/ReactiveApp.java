package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the reactive and Kotlin suspend handler tests run.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ReactiveScenarioController.class, SuspendScenarioController.class, Events.class })
public class ReactiveApp {

}
