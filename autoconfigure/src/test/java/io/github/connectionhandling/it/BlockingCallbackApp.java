package io.github.connectionhandling.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application of the blocking-callback tests: the shared scenario endpoints and
 * those of {@link BlockingCallbackController}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, BlockingCallbackController.class, Events.class })
public class BlockingCallbackApp {

}
