package io.github.connectionhandling.autoconfigure;

import javax.sql.DataSource;

import io.github.connectionhandling.integration.http.CancellingClientHttpRequestInterceptor;
import io.github.connectionhandling.integration.http.CancellingExchangeFilterFunction;
import io.github.connectionhandling.integration.http.HttpComponentsRequestAborter;
import io.github.connectionhandling.integration.http.JettyRequestAborter;
import io.github.connectionhandling.integration.jdbc.CancellingDataSourcePostProcessor;
import io.github.connectionhandling.integration.task.RequestTaskDecorator;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.eclipse.jetty.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.JettyClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration that stops a request's work where it really runs when the request is
 * stopped: JDBC statements ({@code connection-handling.cancel.jdbc}), outgoing
 * {@code RestClient}/{@code RestTemplate} calls and {@code WebClient} exchanges
 * ({@code connection-handling.cancel.http})
 * and tasks submitted to the auto-configured task executor
 * ({@code connection-handling.cancel.async}). Each part backs off when its library is
 * missing or its property is {@code false}, and all of them with
 * {@code connection-handling.enabled=false} (then nothing is ever stopped).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnBooleanProperty(name = "connection-handling.enabled", matchIfMissing = true)
public final class ConnectionHandlingIntegrationAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(DataSource.class)
	@ConditionalOnBooleanProperty(name = "connection-handling.cancel.jdbc", matchIfMissing = true)
	static class JdbcCancellationConfiguration {

		@Bean
		static CancellingDataSourcePostProcessor connectionHandlingDataSourcePostProcessor() {
			return new CancellingDataSourcePostProcessor();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientHttpRequestInterceptor.class, RestClientCustomizer.class })
	@ConditionalOnBooleanProperty(name = "connection-handling.cancel.http", matchIfMissing = true)
	static class HttpCancellationConfiguration {

		private final CancellingClientHttpRequestInterceptor interceptor = new CancellingClientHttpRequestInterceptor();

		@Bean
		@ConditionalOnClass(RestClient.class)
		RestClientCustomizer connectionHandlingRestClientCustomizer() {
			return (builder) -> builder.requestInterceptor(this.interceptor);
		}

		@Bean
		@ConditionalOnClass(RestTemplate.class)
		RestTemplateCustomizer connectionHandlingRestTemplateCustomizer() {
			return (restTemplate) -> restTemplate.getInterceptors().add(this.interceptor);
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass({ JettyClientHttpRequestFactoryBuilder.class, HttpClient.class })
		static class JettyClientConfiguration {

			@Bean
			ClientHttpRequestFactoryBuilderCustomizer<JettyClientHttpRequestFactoryBuilder> connectionHandlingJettyClientCustomizer() {
				return (builder) -> builder.withHttpClientCustomizer(JettyRequestAborter::install);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass({ HttpComponentsClientHttpRequestFactoryBuilder.class, HttpClientBuilder.class })
		static class HttpComponentsClientConfiguration {

			@Bean
			ClientHttpRequestFactoryBuilderCustomizer<HttpComponentsClientHttpRequestFactoryBuilder> connectionHandlingHttpComponentsClientCustomizer() {
				return (builder) -> builder.withHttpClientCustomizer(HttpComponentsRequestAborter::install);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class })
	@ConditionalOnBooleanProperty(name = "connection-handling.cancel.http", matchIfMissing = true)
	static class WebClientCancellationConfiguration {

		@Bean
		WebClientCustomizer connectionHandlingWebClientCustomizer() {
			CancellingExchangeFilterFunction filter = new CancellingExchangeFilterFunction();
			return (builder) -> builder.filter(filter);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(TaskDecorator.class)
	@ConditionalOnBooleanProperty(name = "connection-handling.cancel.async", matchIfMissing = true)
	static class AsyncCancellationConfiguration {

		/**
		 * Spring Boot applies every {@code TaskDecorator} bean (composed, in order) to the
		 * executors its builders make, the auto-configured {@code applicationTaskExecutor}
		 * behind {@code @Async} included.
		 * @return the decorator
		 */
		@Bean
		RequestTaskDecorator connectionHandlingTaskDecorator() {
			return new RequestTaskDecorator();
		}

	}

}
