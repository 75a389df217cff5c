package io.github.connectionhandling.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code spring.reactor.context-propagation=auto} (Spring Boot's Reactor
 * auto-configuration then turns on Reactor's automatic context propagation),
 * {@code ConnectionStatus.current()} works in every operator of a returned {@code Flux},
 * on whichever scheduler it runs, and in a Kotlin {@code suspend} handler after it resumes
 * on another thread (Spring adds Micrometer's {@code PropagationContextElement} then).
 */
abstract class AbstractAutoContextPropagationTests {

	static final String AUTO = "spring.reactor.context-propagation=auto";

	@LocalServerPort
	int port;

	@AfterAll
	static void restoreReactorDefault() {
		// A global hook: the other tests in this JVM run with Boot's default.
		Hooks.disableAutomaticContextPropagation();
	}

	@Test
	void currentWorksInMapOnBoundedElasticAndParallelSchedulers() throws Exception {
		assertThat(AbstractReactiveTests.body(this.port, "/rx/context/map"))
			.isEqualTo("boundedElastic:0;parallel:0;");
	}

	@Test
	void currentWorksInASuspendHandlerAfterItResumes() throws Exception {
		assertThat(AbstractReactiveTests.body(this.port, "/kt/context")).isEqualTo("0;0");
	}

}
