package io.github.connectionhandling.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.servlet.client.RestTestClient;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class SampleApplicationTests {

	@Autowired
	RestTestClient client;

	@Test
	void statusIsNormal() {
		this.client.get().uri("/status").exchange().expectStatus().isOk().expectBody(String.class)
			.isEqualTo("connection_status() = 0\n");
	}

}
