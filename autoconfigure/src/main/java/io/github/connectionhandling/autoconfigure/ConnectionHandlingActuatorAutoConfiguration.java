package io.github.connectionhandling.autoconfigure;

import io.github.connectionhandling.actuate.ConnectionHandlingMetrics;
import io.github.connectionhandling.actuate.ConnectionsEndpoint;
import io.github.connectionhandling.actuate.ConnectionsEndpointWebExtension;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.request.InFlightRequests;
import io.micrometer.core.instrument.binder.MeterBinder;

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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of connection handling's monitoring: the {@code connections}
 * endpoint when Spring Boot's actuator is present, Micrometer meters when Micrometer is.
 * Nothing is exposed when {@code connection-handling.enabled} is {@code false}.
 */
@AutoConfiguration(after = ConnectionHandlingAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "connection-handling.enabled", matchIfMissing = true)
@ConditionalOnBean(InFlightRequests.class)
public final class ConnectionHandlingActuatorAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	@ConditionalOnAvailableEndpoint(ConnectionsEndpoint.class)
	@EnableConfigurationProperties(ConnectionsEndpointProperties.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConnectionsEndpoint connectionsEndpoint(InFlightRequests requests,
				ObjectProvider<ServerConnections> connections, ObjectProvider<OrphanReaper> orphans,
				ConnectionsEndpointProperties properties) {
			return new ConnectionsEndpoint(requests, connections.getIfAvailable(), orphans.getIfAvailable(),
					properties.getShowValues());
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

}
