package io.github.connectionhandling.bench;

import io.github.connectionhandling.it.OnJetty;
import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application {@code bench/detection-latency} starts: {@link BenchController} on Tomcat
 * or Jetty (first argument), sized for thousands of requests in flight.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(BenchController.class)
public class BenchApp {

	public static void main(String[] args) {
		String container = (args.length > 0) ? args[0] : "tomcat";
		SpringApplication application = new SpringApplication(BenchApp.class,
				"jetty".equals(container) ? OnJetty.class : OnTomcat.class);
		application.setDefaultProperties(java.util.Map.of("spring.main.banner-mode", "off",
				"logging.level.root", "warn", "logging.level.io.github.connectionhandling", "info",
				"server.tomcat.threads.max", "400", "server.tomcat.accept-count", "4096",
				"server.tomcat.max-connections", "20000", "server.jetty.threads.max", "400",
				"connection-handling.max-execution-time", "0", "spring.mvc.async.request-timeout", "600s"));
		application.run(java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
	}

}
