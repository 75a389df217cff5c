package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the disconnect-detection tests run: the shared scenario endpoints and
 * those of {@link DetectionScenarioController}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, DetectionScenarioController.class, Events.class })
public class DetectionApp {

}
