package io.github.connectionhandling.sample;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The walkthrough against the AOT-processed jar ({@code -Paot}), run as a user runs it:
 * {@code java -Dspring.aot.enabled=true -jar}, a raw socket reads the multipart stream at
 * {@code GET /} and leaves; the close callback logs, no socket is left in CLOSE_WAIT, and
 * {@code /actuator/connections} on the management port counts the abort. Run by failsafe
 * in the {@code aot} profile.
 */
class CameraScenarioAotIT {

	private static final Pattern TOTAL_ABORTED = Pattern.compile("\"totals\":\\{[^}]*\"aborted\":(\\d+)");

	private static final HttpClient http = HttpClient.newHttpClient();

	private static Process app;

	private static final List<String> output = Collections.synchronizedList(new ArrayList<>());

	private static int port;

	private static int managementPort;

	@BeforeAll
	static void start() throws Exception {
		Path jar = Path.of(System.getProperty("sample.jar", "target/connection-handling-sample-app-0.1.0.jar"));
		assertThat(jar).as("the jar built by -Paot package").isRegularFile();
		port = freePort();
		managementPort = freePort();
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		app = new ProcessBuilder(java.toString(), "-Dspring.aot.enabled=true", "-jar", jar.toString(),
				"--server.port=" + port, "--management.server.port=" + managementPort,
				"--server.address=127.0.0.1", "--management.server.address=127.0.0.1")
			.redirectErrorStream(true)
			.start();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					output.add(line);
					System.out.println("[sample] " + line);
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "sample-app-output");
		reader.setDaemon(true);
		reader.start();
		await().atMost(Duration.ofSeconds(90)).until(() -> logged("Started SampleApplication") || !app.isAlive());
		assertThat(app.isAlive()).as("the app is running: " + output).isTrue();
	}

	@AfterAll
	static void stop() throws InterruptedException {
		if (app != null) {
			app.destroy();
			if (!app.waitFor(20, TimeUnit.SECONDS)) {
				app.destroyForcibly();
			}
		}
	}

	@Test
	void theAppRunsItsAotProcessedContext() {
		// Spring Boot says so when it runs the generated initializers.
		assertThat(logged("Starting AOT-processed SampleApplication")).as("AOT start-up line in " + output).isTrue();
	}

	@Test
	void clientThatLeavesTheStreamIsNoticedAtOnceAndCounted() throws Exception {
		int abortedBefore = abortedTotal();
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			socket.setSoTimeout(10000);
			socket.getOutputStream()
				.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
			String read = readUntil(socket.getInputStream(), "<h1>Part 2</h1>");
			assertThat(read).startsWith("HTTP/1.1 200")
				.contains("multipart/x-mixed-replace;boundary=" + CameraController.BOUNDARY);
		}
		await().atMost(Duration.ofSeconds(5))
			.until(() -> output.stream().anyMatch((line) -> line.matches(".*close callback: client .* left after [23] parts")));
		await().atMost(Duration.ofSeconds(5)).until(() -> CameraScenarioTests.closeWait(port) == 0);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			String body = connections();
			assertThat(body).contains("\"active\":0").contains("\"orphaned\":0");
			assertThat(abortedTotal(body)).isEqualTo(abortedBefore + 1);
		});
	}

	private static boolean logged(String text) {
		synchronized (output) {
			return output.stream().anyMatch((line) -> line.contains(text));
		}
	}

	private static int abortedTotal() throws Exception {
		return abortedTotal(connections());
	}

	private static int abortedTotal(String body) {
		Matcher matcher = TOTAL_ABORTED.matcher(body);
		assertThat(matcher.find()).as(body).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	private static String connections() throws Exception {
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/connections"))
					.timeout(Duration.ofSeconds(10))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
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

}
