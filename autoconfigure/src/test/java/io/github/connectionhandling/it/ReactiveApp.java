package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the reactive handler tests run.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ReactiveScenarioController.class, Events.class })
public class ReactiveApp {

}
