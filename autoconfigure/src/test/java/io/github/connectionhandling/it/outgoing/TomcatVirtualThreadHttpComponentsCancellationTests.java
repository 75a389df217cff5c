package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnTomcat;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * Apache HttpClient 5 from handlers on virtual threads, on Tomcat.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(classes = { OutgoingCallApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
class TomcatVirtualThreadHttpComponentsCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return HttpComponentsClientHttpRequestFactoryBuilder.class;
	}

}
