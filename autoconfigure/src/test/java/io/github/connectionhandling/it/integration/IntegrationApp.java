package io.github.connectionhandling.it.integration;

import javax.sql.DataSource;

import io.github.connectionhandling.it.Events;
import org.hibernate.jpa.HibernatePersistenceProvider;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * The application of the integration tests: endpoints that query a database and start
 * {@code @Async} work. JPA is set up by hand (plain
 * Hibernate, no entities: native queries) so that other tests' contexts stay free of it.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import({ IntegrationController.class, AsyncWork.class, Events.class })
public class IntegrationApp {

	@Bean
	LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
		LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
		factory.setDataSource(dataSource);
		factory.setPersistenceProviderClass(HibernatePersistenceProvider.class);
		factory.setPersistenceUnitName("it");
		factory.setPackagesToScan(IntegrationApp.class.getPackageName() + ".noentities");
		return factory;
	}

}
