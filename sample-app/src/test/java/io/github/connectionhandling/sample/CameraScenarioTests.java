package io.github.connectionhandling.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replays the README walkthrough with a raw socket: {@code GET / HTTP/1.0}, watch the
 * parts, leave (FIN, as Ctrl-C in nc does, or RST), and the close callback has run at
 * once, no socket is left in CLOSE_WAIT, and the actuator, on its own port, counts the
 * abort.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class CameraScenarioTests {

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	RestTestClient application;

	RestTestClient management;

	@BeforeEach
	void clients() {
		this.application = client(this.port);
		this.management = client(this.managementPort);
	}

	@Autowired
	CloseLog closeLog;

	@Test
	void clientThatClosesIsNoticedAtOnce() throws Exception {
		replay(false);
	}

	@Test
	void clientThatResetsIsNoticedAtOnce() throws Exception {
		replay(true);
	}

	private void replay(boolean reset) throws Exception {
		int before = this.closeLog.lines().size();
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(10000);
			socket.getOutputStream()
				.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
			String read = readUntil(socket.getInputStream(), "<h1>Part 2</h1>");
			assertThat(read).startsWith("HTTP/1.1 200")
				.contains("multipart/x-mixed-replace;boundary=" + CameraController.BOUNDARY)
				.contains("--" + CameraController.BOUNDARY);
			if (reset) {
				socket.setSoLinger(true, 0);
			}
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.closeLog.lines().size() > before);
		List<String> lines = this.closeLog.lines();
		assertThat(lines.get(lines.size() - 1)).matches("close callback: client .* left after [23] parts");
		await().atMost(Duration.ofSeconds(5)).until(() -> closeWait(this.port) == 0);
		// The walkthrough's last step: nothing in flight (the actuator's own request is on
		// its own server, not counted), nothing orphaned, the abort counted.
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> this.management.get()
			.uri("/actuator/connections")
			.exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.active").isEqualTo(0)
			.jsonPath("$.orphaned").isEqualTo(0)
			.jsonPath("$.requests").isEmpty()
			.jsonPath("$.totals.aborted").value(Integer.class, (aborted) -> assertThat(aborted).isPositive()));
	}

	@Test
	void actuatorIsNotOnTheApplicationPort() {
		this.application.get().uri("/actuator/connections").exchange().expectStatus().isNotFound();
		this.management.get().uri("/actuator/connections").exchange().expectStatus().isOk();
	}

	private static RestTestClient client(int port) {
		return RestTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
	}

	private static String readUntil(InputStream in, String text) throws IOException {
		ByteArrayOutputStream read = new ByteArrayOutputStream();
		byte[] buffer = new byte[4096];
		while (!read.toString(StandardCharsets.UTF_8).contains(text)) {
			int n = in.read(buffer);
			if (n < 0) {
				throw new IOException("EOF before '" + text + "': " + read);
			}
			read.write(buffer, 0, n);
		}
		return read.toString(StandardCharsets.UTF_8);
	}

	static int closeWait(int port) throws IOException {
		int count = 0;
		String local = String.format(":%04X ", port);
		for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
			Path path = Path.of(file);
			if (!Files.isReadable(path)) {
				continue;
			}
			for (String line : Files.readAllLines(path)) {
				String[] fields = line.trim().split("\\s+");
				if (fields.length > 3 && (fields[1] + " ").endsWith(local) && "08".equals(fields[3])) {
					count++;
				}
			}
		}
		return count;
	}

}
