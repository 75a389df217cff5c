package io.github.connectionhandling.autoconfigure;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.github.connectionhandling.integration.jdbc.CancellingDataSourcePostProcessor.CancellingDataSource;
import io.github.connectionhandling.integration.task.RequestTaskDecorator;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.jdbc.DataSourceUnwrapper;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.core.task.TaskDecorator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the integration auto-configuration contributes, and how each part backs off.
 */
class ConnectionHandlingIntegrationAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConnectionHandlingAutoConfiguration.class,
				ConnectionHandlingIntegrationAutoConfiguration.class, DataSourceAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class, ImperativeHttpClientAutoConfiguration.class,
				RestClientAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:integration-autoconfig;DB_CLOSE_DELAY=-1");

	@Test
	void wrapsDataSourceKeepingHikariReachable() {
		this.runner.run((context) -> {
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(dataSource).isInstanceOf(CancellingDataSource.class);
			assertThat(dataSource.isWrapperFor(HikariConfigMXBean.class)).isTrue();
			assertThat(dataSource.unwrap(HikariConfigMXBean.class)).isInstanceOf(HikariDataSource.class);
			assertThat(DataSourceUnwrapper.unwrap(dataSource, HikariConfigMXBean.class, HikariDataSource.class))
				.isInstanceOf(HikariDataSource.class);
		});
	}

	@Test
	void leavesThreadsThatWorkForNoRequestUntouched() {
		this.runner.run((context) -> {
			DataSource dataSource = context.getBean(DataSource.class);
			try (Connection connection = dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				// The pool's own connection and statement, not the cancelling proxies.
				assertThat(Proxy.isProxyClass(connection.getClass())).isFalse();
				assertThat(Proxy.isProxyClass(statement.getClass())).isFalse();
				assertThat(statement.execute("SELECT 1")).isTrue();
			}
		});
	}

	@Test
	void contributesInterceptorsAndTaskDecorator() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RequestTaskDecorator.class);
			assertThat(context).hasBean("connectionHandlingRestClientCustomizer");
			assertThat(context).hasBean("connectionHandlingRestTemplateCustomizer");
			assertThat(context).hasBean("connectionHandlingJettyClientCustomizer");
			assertThat(context).hasBean("connectionHandlingHttpComponentsClientCustomizer");
			assertThat(context).hasBean("connectionHandlingWebClientCustomizer");
		});
	}

	@Test
	void eachPartBacksOffWhenDisabled() {
		this.runner.withPropertyValues("connection-handling.cancel.jdbc=false").run((context) -> {
			assertThat(context.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class)
				.isNotInstanceOf(CancellingDataSource.class);
			assertThat(context).hasSingleBean(RequestTaskDecorator.class);
		});
		this.runner.withPropertyValues("connection-handling.cancel.http=false").run((context) -> {
			assertThat(context).doesNotHaveBean("connectionHandlingRestClientCustomizer");
			assertThat(context).doesNotHaveBean("connectionHandlingRestTemplateCustomizer");
			assertThat(context).doesNotHaveBean("connectionHandlingJettyClientCustomizer");
			assertThat(context).doesNotHaveBean("connectionHandlingHttpComponentsClientCustomizer");
			assertThat(context).doesNotHaveBean("connectionHandlingWebClientCustomizer");
			assertThat(context.getBean(DataSource.class)).isInstanceOf(CancellingDataSource.class);
		});
		this.runner.withPropertyValues("connection-handling.cancel.async=false").run((context) -> {
			assertThat(context).doesNotHaveBean(TaskDecorator.class);
			assertThat(context).hasBean("connectionHandlingRestClientCustomizer");
		});
	}

	@Test
	void everythingBacksOffWhenConnectionHandlingIsDisabled() {
		this.runner.withPropertyValues("connection-handling.enabled=false").run((context) -> {
			assertThat(context.getBean(DataSource.class)).isNotInstanceOf(CancellingDataSource.class);
			assertThat(context).doesNotHaveBean(TaskDecorator.class);
			assertThat(context).doesNotHaveBean(RestClientCustomizer.class);
			assertThat(context).doesNotHaveBean(RestTemplateCustomizer.class);
			assertThat(context).doesNotHaveBean(WebClientCustomizer.class);
		});
	}

	@Test
	void invalidValueNamesPropertyAndAcceptedValues() {
		this.runner.withPropertyValues("connection-handling.cancel.jdbc=maybe").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new ConnectionHandlingFailureAnalyzer(null).analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("connection-handling.cancel.jdbc").contains("maybe");
			assertThat(analysis.getAction()).contains("true or false");
		});
	}

}
