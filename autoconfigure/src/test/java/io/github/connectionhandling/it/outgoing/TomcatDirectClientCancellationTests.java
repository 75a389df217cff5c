package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * {@code WebClient} and the JDK {@code HttpClient} used directly, on Tomcat.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class TomcatDirectClientCancellationTests extends AbstractDirectClientCancellationTests {

}
