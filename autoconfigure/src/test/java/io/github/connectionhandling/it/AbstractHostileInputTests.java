package io.github.connectionhandling.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Malformed and hostile clients next to well-behaved ones: oversized headers and URIs,
 * garbage bytes, broken request lines, half-sent bodies then FIN or RST, a slowloris
 * trickle of headers, pipelined requests. The well-behaved requests in flight meanwhile
 * all end normally (no false abort), nothing leaks (registry empty, no CLOSE_WAIT), and
 * our packages log no ERROR or WARN.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractHostileInputTests {

	private static final Pattern BAD_LOG = Pattern
		.compile("(?m)^.*(( ERROR )|( WARN .*(i\\.g\\.c\\.|io\\.github\\.connectionhandling))).*$");

	@LocalServerPort
	int port;

	@Autowired
	SoakLedger ledger;

	@Autowired
	InFlightRequests requests;

	@Test
	void hostileClientsCauseNoFalseAbortsNorLeaks(CapturedOutput output) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(24);
		try {
			// Well-behaved requests in flight the whole time, on every kind of handler.
			List<Future<RawHttp.Response>> victims = new ArrayList<>();
			String[] handlers = { "blocking", "deferred", "callable" };
			for (int i = 0; i < 12; i++) {
				String path = "/soak/" + handlers[i % 3] + "?tag=victim-" + i + "&ms=1500";
				victims.add(threads.submit(() -> {
					try (RawHttp client = RawHttp.connect(this.port)) {
						return client.get(path).readResponse(Duration.ofSeconds(20));
					}
				}));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				for (int i = 0; i < 12; i++) {
					if (!this.ledger.started("victim-" + i)) {
						return false;
					}
				}
				return true;
			});
			List<Future<?>> hostile = new ArrayList<>();
			for (int round = 0; round < 3; round++) {
				int r = round;
				hostile.add(threads.submit(() -> answered(hugeHeader())));
				hostile.add(threads.submit(() -> answered("GET /soak/blocking?tag=x&pad=" + "a".repeat(64 * 1024)
						+ " HTTP/1.1\r\nHost: localhost\r\n\r\n")));
				hostile.add(threads.submit(() -> garbage(r)));
				hostile.add(threads.submit(() -> answered("GARBAGE /\u0000 HTTP/9.9\r\n\r\n")));
				hostile.add(threads.submit(() -> answered("GET / HTTP/1.1\r\nNo colon here\r\n\r\n")));
				hostile.add(threads.submit(() -> halfBody(false)));
				hostile.add(threads.submit(() -> halfBody(true)));
				hostile.add(threads.submit(this::slowloris));
				hostile.add(threads.submit(this::pipelined));
			}
			for (Future<?> future : hostile) {
				future.get(30, TimeUnit.SECONDS);
			}
			for (int i = 0; i < victims.size(); i++) {
				RawHttp.Response response = victims.get(i).get(30, TimeUnit.SECONDS);
				assertThat(response.status()).as("victim %d", i).isEqualTo(200);
				assertThat(response.body()).as("victim %d", i).startsWith("ok");
			}
			await().atMost(Duration.ofSeconds(20)).until(this.requests::isEmpty);
			for (int i = 0; i < 12; i++) {
				SoakLedger.Entry entry = this.ledger.find("victim-" + i);
				assertThat(entry.shutdownBits).as("victim %d: %s", i, entry).isZero();
				assertThat(entry.closes).as("victim %d", i).hasValue(0);
				assertThat(entry.unearnedInterrupts).as("victim %d", i).hasValue(0);
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> TcpStates.closeWait(this.port) == 0);
			assertThat(new Actuator(this.port).connections().get("orphaned").asInt()).isZero();
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(BAD_LOG.matcher(output.getAll()).results().map((m) -> m.group()).limit(10).toList())
			.as("ERROR lines, and WARN lines from our packages").isEmpty();
	}

	private static String hugeHeader() {
		return "GET /soak/blocking?tag=huge HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(128 * 1024)
				+ "\r\n\r\n";
	}

	/** Send a malformed request; the server answers (4xx) or closes, never hangs. */
	private Void answered(String raw) throws IOException {
		try (RawHttp client = RawHttp.connect(this.port)) {
			try {
				client.send(raw);
			}
			catch (IOException ex) {
				return null; // the server refused the rest and closed
			}
			String answer = readQuietly(client);
			if (answer.startsWith("HTTP/1.1 ")) {
				int status = Integer.parseInt(answer.substring(9, 12));
				assertThat(status).as(answer).isBetween(400, 499);
			}
		}
		return null;
	}

	private Void garbage(int seed) throws IOException {
		byte[] bytes = new byte[4096];
		new Random(seed).nextBytes(bytes);
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.send(new String(bytes, StandardCharsets.ISO_8859_1));
			readQuietly(client);
		}
		catch (IOException ex) {
			// refused
		}
		return null;
	}

	/** A body shorter than its Content-Length, then FIN or RST. */
	private Void halfBody(boolean reset) throws IOException, InterruptedException {
		RawHttp client = RawHttp.connect(this.port);
		client.send("POST /body?tag=half-" + reset + "-" + System.nanoTime() + "&ms=100 HTTP/1.1\r\nHost: localhost\r\n"
				+ "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
		Thread.sleep(200);
		if (reset) {
			client.reset();
		}
		else {
			client.close();
		}
		return null;
	}

	/** Headers one byte every 20 ms, then leave before finishing them. */
	private Void slowloris() throws IOException, InterruptedException {
		RawHttp client = RawHttp.connect(this.port);
		String head = "GET /soak/blocking?tag=slow-" + System.nanoTime() + " HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
		try {
			for (char c : head.toCharArray()) {
				client.send(String.valueOf(c));
				Thread.sleep(20);
			}
		}
		catch (IOException ex) {
			// the server gave up on us: fine
		}
		client.close();
		return null;
	}

	/** Two requests in one write: both answered, in order, neither aborted. */
	private Void pipelined() throws IOException {
		String tag = "pipe-" + System.nanoTime();
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.send("GET /soak/blocking?tag=" + tag + "-1&ms=50 HTTP/1.1\r\nHost: localhost\r\n\r\n"
					+ "GET /soak/blocking?tag=" + tag + "-2&ms=0 HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertThat(client.readResponse(Duration.ofSeconds(10)).status()).isEqualTo(200);
			assertThat(client.readResponse(Duration.ofSeconds(10)).status()).isEqualTo(200);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.ledger.of(tag + "-2").shutdowns.get() == 1);
		assertThat(this.ledger.of(tag + "-1").shutdownBits).isZero();
		assertThat(this.ledger.of(tag + "-2").shutdownBits).isZero();
		return null;
	}

	private static String readQuietly(RawHttp client) {
		try {
			return client.readToEnd();
		}
		catch (IOException ex) {
			return "";
		}
	}

}
