package io.github.connectionhandling.sample;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's long H2 query is cancelled when its client leaves.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class QueryCancellationTests {

	@LocalServerPort
	int port;

	@Autowired
	QueryController controller;

	@Test
	void longQueryIsCancelledWhenTheClientLeaves() throws Exception {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.getOutputStream()
				.write("GET /php/query HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
			Thread.sleep(500); // the query is running
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> !this.controller.outcomes().isEmpty());
		assertThat(this.controller.outcomes().get(0)).matches("query stopped after \\d+ ms, status 1: .*");
	}

}
