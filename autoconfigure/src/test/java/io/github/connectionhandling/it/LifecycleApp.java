package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application of the lifecycle tests.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ LifecycleController.class, Events.class })
public class LifecycleApp {

}
