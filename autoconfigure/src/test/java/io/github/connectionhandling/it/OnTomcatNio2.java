package io.github.connectionhandling.it;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Import to run a test application on Tomcat's NIO2 connector, whose connections have no
 * selectable channel.
 */
@Configuration(proxyBeanMethods = false)
public class OnTomcatNio2 {

	@Bean
	TomcatServletWebServerFactory tomcatServletWebServerFactory() {
		TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
		factory.setProtocol("org.apache.coyote.http11.Http11Nio2Protocol");
		return factory;
	}

}
