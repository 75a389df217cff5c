package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the soak, race and hostile-input tests run: {@link SoakController}
 * next to the shared scenario endpoints.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, SoakController.class, Events.class, SoakLedger.class })
public class SoakApp {

}
