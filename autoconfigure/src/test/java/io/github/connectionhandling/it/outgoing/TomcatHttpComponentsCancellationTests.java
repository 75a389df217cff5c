package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * Apache HttpClient 5, which Spring Boot picks first when it is on the class path, on Tomcat.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class TomcatHttpComponentsCancellationTests extends AbstractRestClientCancellationTests {

	@Override
	Class<?> expectedRequestFactoryBuilder() {
		return HttpComponentsClientHttpRequestFactoryBuilder.class;
	}

}
