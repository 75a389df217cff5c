package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the actuator tests run: the scenario endpoints and
 * {@link ConnectionsScenarioController}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, ConnectionsScenarioController.class, Events.class })
public class ConnectionsApp {

}
