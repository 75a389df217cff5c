package io.github.connectionhandling.it;

import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleTracer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The scenario endpoints with Micrometer Tracing's in-memory tracer: Spring Boot applies
 * the tracing handler bean to the observation registry, so every
 * {@code http.server.requests} observation becomes a span kept by the tracer.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ScenarioController.class, CallbackContextController.class, Events.class })
public class ObservationApp {

	@Bean
	SimpleTracer simpleTracer() {
		return new SimpleTracer();
	}

	@Bean
	DefaultTracingObservationHandler tracingObservationHandler(SimpleTracer tracer) {
		return new DefaultTracingObservationHandler(tracer);
	}

}
