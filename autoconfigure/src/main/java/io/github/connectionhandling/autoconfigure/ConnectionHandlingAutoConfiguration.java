package io.github.connectionhandling.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.TimeoutProblemCustomizer;
import io.github.connectionhandling.autoconfigure.ConnectionHandlingProperties.TimeLimitClock;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.container.jetty.JettyContainerAdapter;
import io.github.connectionhandling.container.tomcat.TomcatContainerAdapter;
import io.github.connectionhandling.detection.DisconnectDetector;
import io.github.connectionhandling.detection.OrphanReaper;
import io.github.connectionhandling.detection.TcpStateTable;
import io.github.connectionhandling.request.CpuTime;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.timelimit.TimeLimiter;
import io.github.connectionhandling.web.ConnectionStatusFilter;
import io.github.connectionhandling.web.ConnectionStatusWebMvcConfigurer;
import io.github.connectionhandling.web.TimeoutProblems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Auto-configuration of connection handling for Spring MVC on a servlet container.
 * <p>
 * Always (in a servlet web application): each request gets a {@code ConnectionStatus}
 * whose shutdown functions run at its end. With {@code connection-handling.enabled} (the
 * default) also: time limits, disconnect detection and the container adapters.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ Filter.class, DispatcherServlet.class })
@EnableConfigurationProperties(ConnectionHandlingProperties.class)
public final class ConnectionHandlingAutoConfiguration {

	private static final Log logger = LogFactory.getLog(ConnectionHandlingAutoConfiguration.class);

	private static final String ASYNC_REQUEST_TIMEOUT = "spring.mvc.async.request-timeout";

	@Bean
	@ConditionalOnMissingBean
	InFlightRequests connectionHandlingRequests() {
		return new InFlightRequests();
	}

	@Bean
	@ConditionalOnMissingBean
	RequestLifecycle connectionHandlingLifecycle(InFlightRequests requests,
			ObjectProvider<LifecycleParticipant> participants, ConnectionHandlingProperties properties) {
		boolean enabled = properties.isEnabled();
		RequestLifecycle.Settings settings = new RequestLifecycle.Settings(
				enabled ? properties.getMaxExecutionTime() : Duration.ZERO,
				enabled && properties.isIgnoreUserAbort(),
				enabled && properties.getTimeLimitClock() == TimeLimitClock.CPU,
				properties.getCallbacks().getWarnAfter());
		List<LifecycleParticipant> active = enabled ? participants.orderedStream().toList() : List.of();
		return new RequestLifecycle(requests, active, settings);
	}

	@Bean
	FilterRegistrationBean<ConnectionStatusFilter> connectionStatusFilter(RequestLifecycle lifecycle,
			ObjectProvider<ServerConnections> connections, ObjectProvider<TimeLimiter> timeLimiter,
			ConnectionHandlingProperties properties, ObjectProvider<RequestMappingHandlerAdapter> adapters,
			ObjectProvider<TimeoutProblemCustomizer> customizers) {
		// The converters are looked up when a timeout is answered: the adapter is created
		// after the filter.
		TimeoutProblems problems = new TimeoutProblems(() -> {
			RequestMappingHandlerAdapter adapter = adapters.getIfUnique();
			return (adapter != null) ? adapter.getMessageConverters() : List.of();
		}, customizers.orderedStream().toList());
		ConnectionStatusFilter filter = new ConnectionStatusFilter(lifecycle, connections.getIfAvailable(),
				properties.getTimeoutStatus(), timeLimiter.getIfAvailable() != null, problems);
		FilterRegistrationBean<ConnectionStatusFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setName("connectionStatusFilter");
		registration.setOrder(ConnectionStatusFilter.ORDER);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		registration.setAsyncSupported(true);
		return registration;
	}

	@Bean
	@ConditionalOnMissingBean
	ConnectionStatusWebMvcConfigurer connectionStatusWebMvcConfigurer(Environment environment,
			ObjectProvider<RequestMappingHandlerAdapter> adapters, ObjectProvider<RequestMappingHandlerMapping> mappings) {
		return new ConnectionStatusWebMvcConfigurer(environment, adapters, mappings);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "connection-handling.enabled", matchIfMissing = true)
	static class ActiveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TimeLimiter connectionHandlingTimeLimiter(ConnectionHandlingProperties properties, Environment environment) {
			boolean cpu = properties.getTimeLimitClock() == TimeLimitClock.CPU;
			if (cpu && !CpuTime.isAvailable()) {
				throw new InvalidPropertyException("time-limit-clock", "cpu", "wall",
						"this JVM cannot measure the CPU time of threads");
			}
			warnIfAsyncTimeoutIsSet(environment, properties);
			return new TimeLimiter(cpu);
		}

		/**
		 * The time limits replace the async request timeout (so that it cannot fire
		 * behind the application's back): a user who set it should hear that it does not
		 * apply, and what does.
		 */
		private static void warnIfAsyncTimeoutIsSet(Environment environment, ConnectionHandlingProperties properties) {
			String asyncTimeout = environment.getProperty(ASYNC_REQUEST_TIMEOUT);
			if (asyncTimeout != null && logger.isWarnEnabled()) {
				logger.warn(ASYNC_REQUEST_TIMEOUT + "=" + asyncTimeout + " is not applied: async requests run under"
						+ " connection-handling.max-execution-time (" + properties.getMaxExecutionTime()
						+ "), @TimeLimit and ConnectionStatus.setTimeLimit instead. A DeferredResult, WebAsyncTask"
						+ " or emitter given a timeout of its own keeps it.");
			}
		}

		@Bean
		@ConditionalOnMissingBean
		ServerConnections connectionHandlingServerConnections() {
			return new ServerConnections();
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBooleanProperty(name = "connection-handling.abort-detection.enabled", matchIfMissing = true)
		DisconnectDetector connectionHandlingDisconnectDetector(ConnectionHandlingProperties properties) {
			return new DisconnectDetector(properties.getAbortDetection().getArmDelay(),
					properties.getAbortDetection().getPollInterval(), new TcpStateTable());
		}

		@Bean
		@ConditionalOnMissingBean
		OrphanReaper connectionHandlingOrphanReaper(ServerConnections connections, InFlightRequests requests,
				ConnectionHandlingProperties properties) {
			return new OrphanReaper(connections, requests, new TcpStateTable(), properties.getOrphans().getInterval(),
					properties.getOrphans().isReap());
		}

		@Bean
		ApplicationListener<WebServerInitializedEvent> connectionHandlingStartupLog(ApplicationContext context,
				ObjectProvider<DisconnectDetector> detector, ObjectProvider<TimeLimiter> timeLimiter,
				ObjectProvider<OrphanReaper> reaper, ServerConnections connections) {
			return (event) -> {
				// Not for the actuator's own server: the starter does not follow its requests.
				if (event.getApplicationContext() == context && logger.isInfoEnabled()) {
					DisconnectDetector active = detector.getIfAvailable();
					TimeLimiter limiter = timeLimiter.getIfAvailable();
					OrphanReaper orphans = reaper.getIfAvailable();
					logger.info("Connection handling on port " + event.getWebServer().getPort() + ": "
							+ connections.adapters().stream().map((a) -> a.describe()).toList()
							+ "; abort detection: " + ((active != null) ? active.describe() : "off")
							+ "; time limits: " + ((limiter != null) ? limiter.describe() : "off")
							+ "; orphan reaper: " + ((orphans != null) ? orphans.describe() : "off"));
				}
			};
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = { "org.springframework.boot.tomcat.TomcatWebServer",
				"org.apache.catalina.connector.Connector" })
		static class TomcatAdapterConfiguration {

			@Bean
			ApplicationListener<WebServerInitializedEvent> connectionHandlingTomcatAdapter(ApplicationContext context,
					ServerConnections connections) {
				return new AdapterRegistrar(context, connections, TomcatContainerAdapter::of);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = { "org.springframework.boot.jetty.JettyWebServer",
				"org.eclipse.jetty.ee11.servlet.ServletContextRequest" })
		static class JettyAdapterConfiguration {

			@Bean
			ApplicationListener<WebServerInitializedEvent> connectionHandlingJettyAdapter(ApplicationContext context,
					ServerConnections connections) {
				return new AdapterRegistrar(context, connections, JettyContainerAdapter::of);
			}

		}

	}

}
