package io.github.connectionhandling.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Abort, timeout and normal completion arriving at the same moment, on a running server,
 * many times: a handler that completes exactly at its time limit, a client that closes
 * exactly as its response is sent or as the limit runs out, {@code DELETE} by id racing
 * completion. Whichever wins, close callbacks and shutdown functions run exactly once,
 * the bits match what the client saw and the totals, and the log stays clean.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractRaceTests {

	private static final int ROUNDS = 60;

	private static final String[] HANDLERS = { "blocking", "deferred", "callable" };

	private static final Pattern BAD_LOG = Pattern
		.compile("(?m)^.*(( ERROR )|( WARN .*(i\\.g\\.c\\.|io\\.github\\.connectionhandling))).*$");

	@LocalServerPort
	int port;

	@Autowired
	SoakLedger ledger;

	@Autowired
	InFlightRequests requests;

	private final ExecutorService clients = Executors.newFixedThreadPool(16);

	private InFlightRequests.Totals before;

	private final Map<String, Integer> tags = new ConcurrentHashMap<>();

	/** Requests to the actuator: each counts as a normal one. */
	private final java.util.concurrent.atomic.AtomicInteger actuatorCalls = new java.util.concurrent.atomic.AtomicInteger();

	@BeforeEach
	void quiet() {
		await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		this.ledger.clear();
		this.before = this.requests.totals();
	}

	@AfterEach
	void stopClients() {
		this.clients.shutdownNow();
	}

	@Test
	void handlerCompletingExactlyAtItsTimeLimit(CapturedOutput output) throws Exception {
		List<Future<?>> futures = new ArrayList<>();
		for (int i = 0; i < ROUNDS * HANDLERS.length; i++) {
			String handler = HANDLERS[i % HANDLERS.length];
			String tag = "at-limit-" + handler + "-" + i;
			long ms = 20 + (i % 20);
			futures.add(this.clients.submit(() -> {
				try (RawHttp client = RawHttp.connect(this.port)) {
					RawHttp.Response response = client
						.get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms + "&limit=" + ms)
						.readResponse(Duration.ofSeconds(20));
					this.tags.put(tag, response.status());
				}
				return null;
			}));
		}
		awaitAll(futures);
		assertEveryRequest((tag, entry, status) -> {
			// Either it finished first (200, bits 0) or the limit did (503, bits 2). The
			// limit may also run out while the last bytes of the response are being
			// written, or after they were but before the work ended (an async dispatch on
			// its way out): then the client has its whole 200 and the request counts as
			// timed out, as PHP's would. Never a 503 for a request that ended normally.
			assertThat(entry.shutdownBits).as(tag).isIn(0, 2);
			assertThat(status).as(tag + " " + entry).isIn(200, 503);
			if (status == 503) {
				assertThat(entry.shutdownBits).as(tag + " " + entry).isEqualTo(2);
			}
			assertThat(entry.closes).as(tag).hasValue(0);
		});
		assertCleanLog(output);
	}

	@Test
	void clientClosingAsItsResponseIsSent(CapturedOutput output) throws Exception {
		List<Future<?>> futures = new ArrayList<>();
		for (int i = 0; i < ROUNDS * HANDLERS.length; i++) {
			String handler = HANDLERS[i % HANDLERS.length];
			String tag = "closing-" + handler + "-" + i;
			long ms = 20;
			boolean reset = i % 2 == 0;
			futures.add(this.clients.submit(() -> {
				RawHttp client = RawHttp.connect(this.port).get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms);
				awaitStarted(tag);
				Thread.sleep(ms + ThreadLocalRandom.current().nextInt(-3, 4));
				if (reset) {
					client.reset();
				}
				else {
					client.close();
				}
				this.tags.put(tag, 0);
				return null;
			}));
		}
		awaitAll(futures);
		assertEveryRequest((tag, entry, status) -> {
			assertThat(entry.shutdownBits).as(tag).isIn(0, 1);
			assertThat(entry.closes).as(tag).hasValue(entry.shutdownBits);
		});
		assertCleanLog(output);
	}

	@Test
	void clientClosingAsTheTimeLimitRunsOut(CapturedOutput output) throws Exception {
		List<Future<?>> futures = new ArrayList<>();
		for (int i = 0; i < ROUNDS * HANDLERS.length; i++) {
			String handler = HANDLERS[i % HANDLERS.length];
			String tag = "abort-vs-timeout-" + handler + "-" + i;
			long limit = 30;
			futures.add(this.clients.submit(() -> {
				long ms = handler.equals("deferred") ? 0 : 20_000;
				RawHttp client = RawHttp.connect(this.port)
					.get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms + "&limit=" + limit);
				awaitStarted(tag);
				Thread.sleep(limit + ThreadLocalRandom.current().nextInt(-5, 6));
				client.reset();
				this.tags.put(tag, 0);
				return null;
			}));
		}
		awaitAll(futures);
		assertEveryRequest((tag, entry, status) -> {
			assertThat(entry.shutdownBits).as(tag).isIn(1, 2, 3);
			assertThat(entry.closes).as(tag + " " + entry).hasValue(entry.shutdownBits & 1);
		});
		assertCleanLog(output);
	}

	@Test
	void deleteByIdRacingCompletion(CapturedOutput output) throws Exception {
		Actuator actuator = new Actuator(this.port);
		Map<String, Actuator.Response> deletes = new ConcurrentHashMap<>();
		List<Future<?>> futures = new ArrayList<>();
		for (int i = 0; i < ROUNDS * HANDLERS.length; i++) {
			String handler = HANDLERS[i % HANDLERS.length];
			String tag = "delete-" + handler + "-" + i;
			long ms = 20;
			futures.add(this.clients.submit(() -> {
				try (RawHttp client = RawHttp.connect(this.port)) {
					client.get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms);
					awaitStarted(tag);
					String id = idOf(tag);
					if (id != null) {
						Thread.sleep(ms + ThreadLocalRandom.current().nextInt(-3, 4));
						this.actuatorCalls.addAndGet(2);
						deletes.put(tag, actuator.delete(id));
						// Exactly once: a second DELETE finds the request ended, or still
						// aborted and on its way out, never aborts it again.
						Actuator.Response first = deletes.get(tag);
						Actuator.Response again = actuator.delete(id);
						assertThat(again.status()).as("a second DELETE of " + tag).isIn(200, 404);
						if (again.status() == 200) {
							assertThat(first.status()).as(tag).isEqualTo(200);
							assertThat(again.json().get("aborted").asBoolean()).as(tag)
								.isEqualTo(first.json().get("aborted").asBoolean());
						}
					}
					this.tags.put(tag, statusOrEnd(client));
				}
				return null;
			}));
		}
		awaitAll(futures);
		assertEveryRequest((tag, entry, status) -> {
			Actuator.Response delete = deletes.get(tag);
			if (delete == null) {
				// Ended before its id could be looked up.
				assertThat(entry.shutdownBits).as(tag).isZero();
				return;
			}
			assertThat(delete.status()).as(tag + " DELETE").isIn(200, 404);
			if (delete.status() == 200 && delete.json().get("aborted").asBoolean()) {
				assertThat(entry.shutdownBits).as(tag + " " + entry).isEqualTo(1);
				assertThat(entry.closes).as(tag).hasValue(1);
				// The handler's output is discarded (Tomcat closes the connection, Jetty
				// may send an empty response), unless the abort came during its last
				// write: then the client may have the whole answer (seen once on Jetty).
				assertThat(status).as(tag + " " + entry).isIn(0, -1, 200);
			}
			else {
				assertThat(entry.shutdownBits).as(tag + " " + entry + " " + delete).isZero();
				assertThat(entry.closes).as(tag).hasValue(0);
				assertThat(status).as(tag).isEqualTo(200);
			}
		});
		assertCleanLog(output);
	}

	@Test
	void closeCallbackRegisteredAfterTheAbortRunsAtOnceExactlyOnce() throws Exception {
		String tag = "late-close";
		RawHttp client = RawHttp.connect(this.port).get("/soak/late-close?tag=" + tag);
		awaitStarted(tag);
		client.close();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.ledger.of(tag).shutdowns.get() == 1);
		Thread.sleep(100);
		SoakLedger.Entry entry = this.ledger.of(tag);
		assertThat(entry.note).isEqualTo("late close ran at once: true");
		assertThat(entry.lateCloses).hasValue(1);
		assertThat(entry.closes).hasValue(1);
		assertThat(entry.shutdownBits).isEqualTo(1);
	}

	/**
	 * The response's status, 0 if the server closed the connection without one, -1 if it
	 * answered with an empty body (the handler's output discarded).
	 */
	private static int statusOrEnd(RawHttp client) {
		try {
			RawHttp.Response response = client.readResponse(Duration.ofSeconds(20));
			return response.body().startsWith("ok") ? response.status() : -1;
		}
		catch (IOException ex) {
			if (ex.getMessage() != null && ex.getMessage().startsWith("EOF")) {
				return 0;
			}
			throw new IllegalStateException(ex);
		}
	}

	private String idOf(String tag) {
		for (RequestHandle handle : this.requests.all()) {
			if (tag.equals(SoakLedger.tagOf(handle.getInfo().query()))) {
				return handle.getId();
			}
		}
		return null;
	}

	interface Check {

		void check(String tag, SoakLedger.Entry entry, int status);

	}

	private void assertEveryRequest(Check check) throws InterruptedException {
		await().atMost(Duration.ofSeconds(30)).until(this.requests::isEmpty);
		Thread.sleep(200); // late duplicates would show now
		long normal = 0;
		long aborted = 0;
		long timedOut = 0;
		for (Map.Entry<String, Integer> sent : this.tags.entrySet()) {
			SoakLedger.Entry entry = this.ledger.find(sent.getKey());
			assertThat(entry).as(sent.getKey()).isNotNull();
			assertThat(entry.started).as(sent.getKey()).hasValue(1);
			assertThat(entry.shutdowns).as(sent.getKey() + " shutdown functions").hasValue(1);
			assertThat(entry.unearnedInterrupts).as(sent.getKey()).hasValue(0);
			check.check(sent.getKey(), entry, sent.getValue());
			normal += (entry.shutdownBits == 0) ? 1 : 0;
			aborted += entry.shutdownBits & 1;
			timedOut += (entry.shutdownBits & 2) >> 1;
		}
		InFlightRequests.Totals after = this.requests.totals();
		int actuatorCalls = this.actuatorCalls.get();
		assertThat(after.completed() - this.before.completed()).isEqualTo(this.tags.size() + actuatorCalls);
		assertThat(after.normal() - this.before.normal()).isEqualTo(normal + actuatorCalls);
		assertThat(after.aborted() - this.before.aborted()).isEqualTo(aborted);
		assertThat(after.timedOut() - this.before.timedOut()).isEqualTo(timedOut);
		await().atMost(Duration.ofSeconds(15)).until(() -> TcpStates.closeWait(this.port) == 0);
		System.out.printf("races: normal %d, aborted %d, timed out %d of %d%n", normal, aborted, timedOut,
				this.tags.size());
	}

	private void awaitStarted(String tag) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!this.ledger.started(tag)) {
			if (System.nanoTime() > deadline) {
				throw new IOException("handler " + tag + " never started");
			}
			Thread.sleep(1);
		}
	}

	private static void awaitAll(List<Future<?>> futures) throws Exception {
		for (Future<?> future : futures) {
			future.get(60, TimeUnit.SECONDS);
		}
	}

	private static void assertCleanLog(CapturedOutput output) {
		assertThat(BAD_LOG.matcher(output.getAll()).results().map((m) -> m.group()).limit(10).toList())
			.as("ERROR lines, and WARN lines from our packages").isEmpty();
	}

}
