package io.github.connectionhandling.autoconfigure;

import java.time.Duration;

import io.github.connectionhandling.actuate.ConnectionHandlingMetrics;
import io.github.connectionhandling.actuate.ConnectionsEndpoint;
import io.github.connectionhandling.actuate.ConnectionsEndpointWebExtension;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.observation.ConnectionStatusObservationFilter;
import io.github.connectionhandling.observation.RequestObservationEvents;
import io.github.connectionhandling.observation.SlowRequestLog;
import io.github.connectionhandling.request.InFlightRequests;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationFilter;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Auto-configuration of connection handling's monitoring: the {@code connections}
 * endpoint when Spring Boot's actuator is present, Micrometer meters when Micrometer is,
 * the {@code connection.status} key on {@code http.server.requests} observations when
 * Micrometer Observation is, span events when Micrometer Tracing is, and the slow-request
 * log when it has a threshold. Nothing is exposed when {@code connection-handling.enabled}
 * is {@code false}.
 */
@AutoConfiguration(after = ConnectionHandlingAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBooleanProperty(name = "connection-handling.enabled", matchIfMissing = true)
@ConditionalOnBean(InFlightRequests.class)
public final class ConnectionHandlingActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Conditional(SlowRequestThresholdCondition.class)
	SlowRequestLog connectionHandlingSlowRequestLog(InFlightRequests requests,
			ConnectionHandlingProperties properties) {
		return new SlowRequestLog(requests, properties.getSlowRequest().getThreshold());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	@ConditionalOnAvailableEndpoint(ConnectionsEndpoint.class)
	@EnableConfigurationProperties(ConnectionsEndpointProperties.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConnectionsEndpoint connectionsEndpoint(InFlightRequests requests,
				ObjectProvider<ServerConnections> connections, ObjectProvider<OrphanReaper> orphans,
				ConnectionsEndpointProperties properties, ObjectProvider<SlowRequestLog> slowRequests) {
			return new ConnectionsEndpoint(requests, connections.getIfAvailable(), orphans.getIfAvailable(),
					properties.getShowValues(), slowRequests.getIfAvailable());
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(ConnectionsEndpoint.class)
		@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
		ConnectionsEndpointWebExtension connectionsEndpointWebExtension(ConnectionsEndpoint endpoint,
				ConnectionsEndpointProperties properties) {
			return new ConnectionsEndpointWebExtension(endpoint, properties.getShowValues(), properties.getRoles());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConnectionHandlingMetrics connectionHandlingMetrics(InFlightRequests requests,
				ObjectProvider<ServerConnections> connections, ObjectProvider<OrphanReaper> orphans) {
			return new ConnectionHandlingMetrics(requests, connections.getIfAvailable(), orphans.getIfAvailable());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ObservationFilter.class, ServerRequestObservationContext.class })
	static class ObservationConfiguration {

		// Spring Boot applies ObservationFilter beans to the ObservationRegistry.
		@Bean
		@ConditionalOnMissingBean
		ConnectionStatusObservationFilter connectionStatusObservationFilter() {
			return new ConnectionStatusObservationFilter();
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = "io.micrometer.tracing.Tracer")
		@ConditionalOnBean(ObservationRegistry.class)
		static class TracingConfiguration {

			@Bean
			@ConditionalOnMissingBean
			RequestObservationEvents connectionHandlingObservationEvents(ObservationRegistry registry) {
				return new RequestObservationEvents(registry);
			}

		}

	}

	/**
	 * Matches when {@code connection-handling.slow-request.threshold} is more than 0; a
	 * value that does not bind is left to the properties to report.
	 */
	static class SlowRequestThresholdCondition implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			try {
				return Binder.get(context.getEnvironment())
					.bind("connection-handling.slow-request.threshold", Duration.class)
					.map((threshold) -> !threshold.isNegative() && !threshold.isZero())
					.orElse(false);
			}
			catch (RuntimeException ex) {
				return false;
			}
		}

	}

}
