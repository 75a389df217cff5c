package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the time limit tests run: the shared scenario endpoints and the time
 * limit ones.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, TimeLimitScenarioController.class, ClassLimitedController.class, Events.class })
public class TimeLimitApp {

}
