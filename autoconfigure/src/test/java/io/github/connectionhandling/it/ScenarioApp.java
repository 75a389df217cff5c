package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the network tests run: the scenario endpoints on Tomcat (the default)
 * or, with {@link OnJetty}, on Jetty.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, Events.class })
public class ScenarioApp {

}
