package io.github.connectionhandling.it;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Import to run a test application on Tomcat: both containers are on the test class path,
 * so each test says which one it runs on.
 */
@Configuration(proxyBeanMethods = false)
public class OnTomcat {

	@Bean
	TomcatServletWebServerFactory tomcatServletWebServerFactory() {
		return new TomcatServletWebServerFactory();
	}

}
