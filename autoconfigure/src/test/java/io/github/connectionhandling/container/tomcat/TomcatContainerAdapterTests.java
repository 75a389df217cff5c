package io.github.connectionhandling.container.tomcat;

import io.github.connectionhandling.container.AbstractContainerAdapterTests;
import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.it.DetectionApp;
import io.github.connectionhandling.it.OnTomcat;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT)
class TomcatContainerAdapterTests extends AbstractContainerAdapterTests {

	@Override
	protected Class<? extends ContainerAdapter> adapterType() {
		return TomcatContainerAdapter.class;
	}

}
