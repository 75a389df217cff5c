package io.github.connectionhandling.it.outgoing;

import io.github.connectionhandling.it.OnJetty;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * {@code WebClient} and the JDK {@code HttpClient} used directly, on Jetty.
 */
@SpringBootTest(classes = { OutgoingCallApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class JettyDirectClientCancellationTests extends AbstractDirectClientCancellationTests {

}
