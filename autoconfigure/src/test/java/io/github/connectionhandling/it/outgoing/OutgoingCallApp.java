package io.github.connectionhandling.it.outgoing;

import java.io.IOException;

import io.github.connectionhandling.it.Events;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.JettyClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The application of the outgoing-call tests: a controller that calls {@link SlowUpstream}
 * through clients made by Spring Boot's builders. Each pooling client gets a pool of one
 * connection to the upstream, so a connection an aborted call leaked would block the next
 * call.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ OutgoingCallController.class, Events.class })
public class OutgoingCallApp {

	@Bean(destroyMethod = "close")
	SlowUpstream slowUpstream(Events events) throws IOException {
		return new SlowUpstream(events);
	}

	@Bean
	ClientHttpRequestFactoryBuilderCustomizer<HttpComponentsClientHttpRequestFactoryBuilder> oneHttpComponentsConnection() {
		return (builder) -> builder
			.withConnectionManagerCustomizer((manager) -> manager.setMaxConnPerRoute(1).setMaxConnTotal(1));
	}

	@Bean
	ClientHttpRequestFactoryBuilderCustomizer<JettyClientHttpRequestFactoryBuilder> oneJettyConnection() {
		return (builder) -> builder.withHttpClientCustomizer((client) -> client.setMaxConnectionsPerDestination(1));
	}

	@Bean(destroyMethod = "dispose")
	ConnectionProvider oneReactorNettyConnection() {
		return ConnectionProvider.create("outgoing-call-tests", 1);
	}

	@Bean
	ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> reactorNettyOnOneConnection(
			ConnectionProvider oneReactorNettyConnection) {
		return (builder) -> builder.withHttpClientFactory(() -> HttpClient.create(oneReactorNettyConnection));
	}

}
