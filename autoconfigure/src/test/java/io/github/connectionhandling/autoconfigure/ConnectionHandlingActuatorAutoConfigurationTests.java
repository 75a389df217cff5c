package io.github.connectionhandling.autoconfigure;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.github.connectionhandling.actuate.ConnectionHandlingMetrics;
import io.github.connectionhandling.actuate.ConnectionsEndpoint;
import io.github.connectionhandling.actuate.ConnectionsEndpointWebExtension;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.observation.ConnectionStatusObservationFilter;
import io.github.connectionhandling.observation.RequestObservationEvents;
import io.github.connectionhandling.observation.SlowRequestLog;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jmx.JmxEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jmx.JmxAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectionHandlingActuatorAutoConfiguration}.
 */
class ConnectionHandlingActuatorAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class,
				ConnectionHandlingActuatorAutoConfiguration.class));

	@Test
	void endpointIsAvailableWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectionsEndpoint.class);
				assertThat(context).hasSingleBean(ConnectionsEndpointWebExtension.class);
				assertThat(context.getBean(ConnectionsEndpoint.class).connections().getActive()).isZero();
			});
	}

	@Test
	void slowRequestLogIsOffByDefault() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(SlowRequestLog.class));
		this.contextRunner.withPropertyValues("connection-handling.slow-request.threshold=0")
			.run((context) -> assertThat(context).doesNotHaveBean(SlowRequestLog.class));
	}

	@Test
	void slowRequestLogHasTheThresholdAndReachesTheEndpoint() {
		this.contextRunner
			.withPropertyValues("connection-handling.slow-request.threshold=3s",
					"management.endpoints.web.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasSingleBean(SlowRequestLog.class);
				assertThat(context.getBean(SlowRequestLog.class).getThreshold()).isEqualTo(Duration.ofSeconds(3));
				assertThat(ReflectionTestUtils.getField(context.getBean(ConnectionsEndpoint.class), "slowRequests"))
					.isSameAs(context.getBean(SlowRequestLog.class));
			});
	}

	@Test
	void connectionStatusObservationFilterIsConfigured() {
		this.contextRunner
			.run((context) -> assertThat(context).hasSingleBean(ConnectionStatusObservationFilter.class));
	}

	@Test
	void observationEventsNeedAnObservationRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(RequestObservationEvents.class));
		this.contextRunner.withBean(ObservationRegistry.class, ObservationRegistry::create).run((context) -> {
			assertThat(context).hasSingleBean(RequestObservationEvents.class);
			// A participant of the lifecycle.
			assertThat(ReflectionTestUtils.getField(context.getBean(RequestLifecycle.class), "participants"))
				.asInstanceOf(InstanceOfAssertFactories.LIST)
				.contains(context.getBean(RequestObservationEvents.class));
		});
	}

	@Test
	void endpointIsNotAvailableWhenNotExposed() {
		this.contextRunner.run((context) -> {
			assertThat(context).doesNotHaveBean(ConnectionsEndpoint.class);
			assertThat(context).doesNotHaveBean(ConnectionsEndpointWebExtension.class);
		});
	}

	@Test
	void endpointIsNotAvailableWhenAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=connections",
					"management.endpoint.connections.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectionsEndpoint.class));
	}

	@Test
	void endpointExposedOverJmxOnlyHasNoWebExtension() {
		this.contextRunner
			.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectionsEndpoint.class);
				assertThat(context).doesNotHaveBean(ConnectionsEndpointWebExtension.class);
			});
	}

	@Test
	void nothingIsExposedWhenConnectionHandlingIsDisabled() {
		this.contextRunner
			.withPropertyValues("connection-handling.enabled=false",
					"management.endpoints.web.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasSingleBean(InFlightRequests.class);
				assertThat(context).doesNotHaveBean(ConnectionsEndpoint.class);
				assertThat(context).doesNotHaveBean(ConnectionHandlingMetrics.class);
			});
	}

	@Test
	void showValuesAndRolesReachTheEndpointAndItsWebExtension() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=connections",
					"management.endpoint.connections.show-values=when-authorized",
					"management.endpoint.connections.roles=ops")
			.run((context) -> {
				assertThat(ReflectionTestUtils.getField(context.getBean(ConnectionsEndpoint.class), "showValues"))
					.isEqualTo(Show.WHEN_AUTHORIZED);
				ConnectionsEndpointWebExtension extension = context.getBean(ConnectionsEndpointWebExtension.class);
				assertThat(ReflectionTestUtils.getField(extension, "showValues")).isEqualTo(Show.WHEN_AUTHORIZED);
				assertThat(ReflectionTestUtils.getField(extension, "roles")).isEqualTo(Set.of("ops"));
			});
	}

	@Test
	void showValuesDefaultsToNever() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.run((context) -> assertThat(context.getBean(ConnectionsEndpointProperties.class).getShowValues())
				.isEqualTo(Show.NEVER));
	}

	@Test
	void endpointUsesTheReaperForOrphans() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.run((context) -> assertThat(ReflectionTestUtils.getField(context.getBean(ConnectionsEndpoint.class),
					"orphans"))
				.isSameAs(context.getBean(OrphanReaper.class)));
	}

	@Test
	void userDefinedEndpointWins() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.withBean("custom", ConnectionsEndpoint.class,
					() -> new ConnectionsEndpoint(new InFlightRequests(), null, null, Show.ALWAYS))
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectionsEndpoint.class);
				assertThat(context).hasBean("custom");
			});
	}

	@Test
	void metricsAreALifecycleParticipant() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectionHandlingMetrics.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				RequestLifecycle lifecycle = context.getBean(RequestLifecycle.class);
				RequestHandle handle = lifecycle.start(new RequestInfo("GET", "/x", null, null, "HTTP/1.1"), null,
						false);
				assertThat(registry.get("connection.handling.requests.active").gauge().value()).isOne();
				handle.signal(io.github.connectionhandling.ConnectionStatus.ABORTED, "client");
				// Counted by a close callback, on the callback pool.
				await().atMost(Duration.ofSeconds(10))
					.until(() -> registry.get("connection.handling.requests.aborted")
						.tag("reason", "client")
						.counter()
						.count() == 1.0);
				lifecycle.finish(handle);
				assertThat(registry.get("connection.handling.connections.open").gauge().value()).isZero();
				assertThat(registry.get("connection.handling.connections.orphaned").gauge().value()).isZero();
			});
	}

	@Test
	void noMetricsWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ConnectionHandlingMetrics.class);
				assertThat(context).hasSingleBean(ConnectionsEndpoint.class);
			});
	}

	@Test
	void noEndpointWithoutActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.withPropertyValues("management.endpoints.web.exposure.include=connections")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ConnectionsEndpoint.class);
				assertThat(context).hasSingleBean(ConnectionHandlingMetrics.class);
			});
	}

	@Test
	void endpointWorksOverJmx() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(JmxAutoConfiguration.class, EndpointAutoConfiguration.class,
					JacksonEndpointAutoConfiguration.class, JmxEndpointAutoConfiguration.class))
			.withPropertyValues("spring.jmx.enabled=true", "spring.jmx.unique-names=true",
					"management.endpoints.jmx.exposure.include=connections")
			.run((context) -> {
				MBeanServer server = ManagementFactory.getPlatformMBeanServer();
				Set<ObjectName> names = server
					.queryNames(new ObjectName("org.springframework.boot:type=Endpoint,name=Connections,*"), null);
				assertThat(names).hasSize(1);
				ObjectName name = names.iterator().next();
				RequestLifecycle lifecycle = context.getBean(RequestLifecycle.class);
				RequestHandle handle = lifecycle.start(new RequestInfo("GET", "/jmx", "q=1", "10.0.0.1:1", "HTTP/1.1"),
						null, false);
				Map<?, ?> all = (Map<?, ?>) server.invoke(name, "connections", new Object[0], new String[0]);
				assertThat(all.get("active")).isEqualTo(1);
				assertThat(all.get("requests")).asString().contains("/jmx").doesNotContain("q=1");
				Map<?, ?> one = (Map<?, ?>) server.invoke(name, "request", new Object[] { handle.getId() },
						new String[] { String.class.getName() });
				assertThat(one.get("uri")).isEqualTo("/jmx");
				// Read-only by default: no abort over JMX either.
				assertThat(server.getMBeanInfo(name).getOperations()).extracting((op) -> op.getName())
					.containsExactlyInAnyOrder("connections", "request");
				lifecycle.finish(handle);
			});
	}

	@Test
	void abortOverJmxWhenUnrestricted() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(JmxAutoConfiguration.class, EndpointAutoConfiguration.class,
					JacksonEndpointAutoConfiguration.class, JmxEndpointAutoConfiguration.class))
			.withPropertyValues("spring.jmx.enabled=true", "spring.jmx.unique-names=true",
					"management.endpoints.jmx.exposure.include=connections",
					"management.endpoint.connections.access=UNRESTRICTED")
			.run((context) -> {
				MBeanServer server = ManagementFactory.getPlatformMBeanServer();
				ObjectName name = server
					.queryNames(new ObjectName("org.springframework.boot:type=Endpoint,name=Connections,*"), null)
					.iterator()
					.next();
				RequestLifecycle lifecycle = context.getBean(RequestLifecycle.class);
				RequestHandle handle = lifecycle.start(new RequestInfo("GET", "/jmx", null, null, "HTTP/1.1"), null,
						false);
				Map<?, ?> aborted = (Map<?, ?>) server.invoke(name, "abort", new Object[] { handle.getId() },
						new String[] { String.class.getName() });
				assertThat(aborted.get("aborted")).isEqualTo(true);
				assertThat(handle.isAborted()).isTrue();
				lifecycle.finish(handle);
			});
	}

}
