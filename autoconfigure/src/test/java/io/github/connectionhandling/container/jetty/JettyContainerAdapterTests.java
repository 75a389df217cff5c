package io.github.connectionhandling.container.jetty;

import io.github.connectionhandling.container.AbstractContainerAdapterTests;
import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.it.DetectionApp;
import io.github.connectionhandling.it.OnJetty;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class JettyContainerAdapterTests extends AbstractContainerAdapterTests {

	@Override
	protected Class<? extends ContainerAdapter> adapterType() {
		return JettyContainerAdapter.class;
	}

}
