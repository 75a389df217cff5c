package io.github.connectionhandling.it;

import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Import to run a test application on Jetty: both containers are on the test class path,
 * so each test says which one it runs on.
 */
@Configuration(proxyBeanMethods = false)
public class OnJetty {

	@Bean
	JettyServletWebServerFactory jettyServletWebServerFactory() {
		return new JettyServletWebServerFactory();
	}

}
