package io.github.connectionhandling.integration.jdbc;

import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The proxies the JDBC integration really makes are the ones the hints name: taken from
 * live proxies, not from a list beside the code.
 */
class JdbcRuntimeHintsTests {

	@Test
	void everyStatementProxyHasAProxyHintAndItsMethodsCanBeInvoked() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		new JdbcRuntimeHints().registerHints(hints, getClass().getClassLoader());
		List<Object> proxies = new ArrayList<>();
		try (Connection connection = StatementCancellation
			.wrap(DriverManager.getConnection("jdbc:h2:mem:hints;DB_CLOSE_DELAY=0"))) {
			proxies.add(connection);
			proxies.add(connection.createStatement());
			proxies.add(connection.prepareStatement("SELECT 1"));
			proxies.add(connection.prepareCall("CALL 1"));
			for (Object proxy : proxies) {
				assertThat(Proxy.isProxyClass(proxy.getClass())).isTrue();
				assertThat(RuntimeHintsPredicates.proxies().forInterfaces(proxy.getClass().getInterfaces()))
					.as(proxy.getClass().getInterfaces()[0].getName())
					.accepts(hints);
			}
		}
		assertThat(proxies).extracting((proxy) -> proxy.getClass().getInterfaces()[0])
			.containsExactly(Connection.class, Statement.class, PreparedStatement.class, CallableStatement.class);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(PreparedStatement.class.getMethod("executeQuery"))).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(Connection.class.getMethod("prepareStatement", String.class))).accepts(hints);
	}

	@Test
	void everyDataSourceBeanGetsAHintForTheProxyWrappingIt() {
		for (DataSource dataSource : new DataSource[] { new HikariDataSource(), new JdbcDataSource() }) {
			DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
			beanFactory.registerBeanDefinition("dataSource", new RootBeanDefinition(dataSource.getClass()));
			RuntimeHints hints = new RuntimeHints();
			BeanRegistrationAotContribution contribution = new CancellingDataSourceAotProcessor()
				.processAheadOfTime(RegisteredBean.of(beanFactory, "dataSource"));
			assertThat(contribution).isNotNull();
			contribution.applyTo(new DefaultGenerationContext(
					new ClassNameGenerator(ClassName.get("io.github.connectionhandling.test", "Aot")),
					new InMemoryGeneratedFiles(), hints), mock());
			Object wrapped = new CancellingDataSourcePostProcessor().postProcessAfterInitialization(dataSource,
					"dataSource");
			assertThat(Proxy.isProxyClass(wrapped.getClass())).isTrue();
			assertThat(RuntimeHintsPredicates.proxies().forInterfaces(wrapped.getClass().getInterfaces()))
				.as(dataSource.getClass().getName())
				.accepts(hints);
		}
	}

	@Test
	void otherBeansGetNoHint() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("notADataSource", new RootBeanDefinition(StringBuilder.class));
		assertThat(new CancellingDataSourceAotProcessor()
			.processAheadOfTime(RegisteredBean.of(beanFactory, "notADataSource"))).isNull();
	}

}
