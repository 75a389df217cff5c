package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { ReactiveApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class JettySuspendTests extends AbstractSuspendTests {

}
