package io.github.connectionhandling.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Soak and chaos: many requests at once, a seeded mix of normal requests (kept alive or
 * closed at once, FIN or RST, after the response), FIN and RST aborts, timeouts,
 * requests that ignore aborts, and requests that end with both bits, across blocking,
 * {@code DeferredResult} and {@code Callable} handlers. Afterwards every request's
 * callbacks ran exactly as often as its fate requires, the registry is empty, no socket
 * is left in CLOSE_WAIT, the totals add up and match what the clients did, no thread saw
 * an interrupt it did not earn, the heap is back near its start and the log is clean.
 * <p>
 * The count is {@code -Dsoak.requests} (default {@link #defaultRequests()}); the
 * {@code bench/soak} script runs it with 100,000.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class AbstractSoakTests {


	private static final int CONCURRENCY = 200;

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** Lines our packages log at WARN or ERROR, or that anything logs at ERROR. */
	private static final Pattern BAD_LOG = Pattern
		.compile("(?m)^.*(( ERROR )|( WARN .*(i\\.g\\.c\\.|io\\.github\\.connectionhandling))).*$");

	@LocalServerPort
	int port;

	@Autowired
	SoakLedger ledger;

	@Autowired
	InFlightRequests requests;

	/** The handler each request went to, for the report of what went wrong. */
	private final Map<String, String> handlers = new ConcurrentHashMap<>();

	abstract int defaultRequests();

	enum Kind {

		/** Normal, on the worker's keep-alive connection. */
		NORMAL_KEEP_ALIVE(30, 0, false),
		/** Normal, on a new connection the client closes (FIN or RST) right after the response. */
		NORMAL_CLOSED(18, 0, false),
		/** The client leaves with FIN while the handler works. */
		FIN_ABORT(11, 1, true),
		/** The client leaves with RST while the handler works. */
		RST_ABORT(11, 1, true),
		/** The handler outlives its time limit; the client reads the 503. */
		TIMEOUT(12, 2, false),
		/** The handler ignores the abort and runs to its end. */
		IGNORE(12, 1, true),
		/** The handler ignores the abort, then outlives a time limit. */
		BOTH(6, 3, true);

		final int weight;

		final int bits;

		final boolean closes;

		Kind(int weight, int bits, boolean closes) {
			this.weight = weight;
			this.bits = bits;
			this.closes = closes;
		}

		static Kind pick(SplittableRandom random) {
			int total = 0;
			for (Kind kind : values()) {
				total += kind.weight;
			}
			int n = random.nextInt(total);
			for (Kind kind : values()) {
				n -= kind.weight;
				if (n < 0) {
					return kind;
				}
			}
			throw new IllegalStateException();
		}

	}

	private static final String[] HANDLERS = { "blocking", "deferred", "callable" };

	@Test
	void soak(CapturedOutput output) throws Exception {
		int total = Integer.getInteger("soak.requests", defaultRequests());
		long seed = Long.getLong("soak.seed", 20261122L);
		// Warm up (class loading, pools, caches) before the heap's baseline is taken.
		run("warm", Math.min(600, total), seed - 1, Duration.ofMinutes(2));
		awaitQuiet();
		this.ledger.clear();
		long heapBefore = heapAfterGc();
		InFlightRequests.Totals before = this.requests.totals();
		long started = System.nanoTime();

		Map<String, Kind> expected = run("soak", total, seed, Duration.ofMinutes(Math.max(3, total / 2000)));
		awaitQuiet();
		long elapsed = System.nanoTime() - started;
		// Late duplicates would show up now.
		Thread.sleep(300);

		List<String> wrong = new ArrayList<>();
		Map<Kind, AtomicInteger> counts = new EnumMap<>(Kind.class);
		expected.forEach((tag, kind) -> {
			counts.computeIfAbsent(kind, (k) -> new AtomicInteger()).incrementAndGet();
			SoakLedger.Entry entry = this.ledger.find(tag);
			String problem = problem(kind, entry);
			if (problem != null && wrong.size() < 20) {
				wrong.add(tag + " (" + kind + ", " + this.handlers.get(tag) + "): " + problem + " [" + entry + "]");
			}
		});
		assertThat(wrong).as("requests whose callbacks or bits are wrong").isEmpty();
		assertThat(this.ledger.all().keySet()).as("handlers that ran for requests nobody sent")
			.allMatch(expected::containsKey);

		InFlightRequests.Totals after = this.requests.totals();
		long normal = count(counts, Kind.NORMAL_KEEP_ALIVE) + count(counts, Kind.NORMAL_CLOSED);
		long aborted = count(counts, Kind.FIN_ABORT) + count(counts, Kind.RST_ABORT) + count(counts, Kind.IGNORE)
				+ count(counts, Kind.BOTH);
		long timedOut = count(counts, Kind.TIMEOUT) + count(counts, Kind.BOTH);
		long both = count(counts, Kind.BOTH);
		assertThat(after.completed() - before.completed()).as("completed").isEqualTo(total);
		assertThat(after.normal() - before.normal()).as("normal").isEqualTo(normal);
		assertThat(after.aborted() - before.aborted()).as("aborted").isEqualTo(aborted);
		assertThat(after.timedOut() - before.timedOut()).as("timedOut").isEqualTo(timedOut);
		assertThat(after.reaped() - before.reaped()).as("reaped").isZero();

		// The endpoint's figures add up too (its own request is the one in flight).
		JsonNode connections = new Actuator(this.port).connections();
		JsonNode totals = connections.get("totals");
		assertThat(connections.get("active").asInt()).isEqualTo(1);
		assertThat(connections.get("orphaned").asInt()).isZero();
		long bothSinceStart = totals.get("normal").asLong() + totals.get("aborted").asLong()
				+ totals.get("timedOut").asLong() - totals.get("completed").asLong();
		assertThat(bothSinceStart).as("requests with both bits since start").isEqualTo(both + bothOf(before));
		assertThat(totals.get("completed").asLong()).isEqualTo(after.completed());

		this.ledger.clear();
		long heapAfter = heapAfterGc();
		System.out.printf("soak %s: %d requests in %.1f s, %s; heap after GC %d MB -> %d MB; load %s%n",
				getClass().getSimpleName(), total, elapsed / 1e9, counts, heapBefore >> 20, heapAfter >> 20,
				loadAverage());
		assertThat(heapAfter).as("heap after GC (bytes), started at %d", heapBefore)
			.isLessThan(heapBefore + 64L * 1024 * 1024);
		assertThat(BAD_LOG.matcher(output.getAll()).results().map((m) -> m.group()).limit(10).toList())
			.as("ERROR lines, and WARN lines from our packages").isEmpty();
	}

	private static long bothOf(InFlightRequests.Totals totals) {
		return totals.normal() + totals.aborted() + totals.timedOut() - totals.completed();
	}

	private static long count(Map<Kind, AtomicInteger> counts, Kind kind) {
		AtomicInteger count = counts.get(kind);
		return (count != null) ? count.get() : 0;
	}

	private static String problem(Kind kind, SoakLedger.Entry entry) {
		if (entry == null) {
			return "handler never ran";
		}
		if (entry.started.get() != 1) {
			return "handler ran " + entry.started + " times";
		}
		if (entry.shutdowns.get() != 1) {
			return "shutdown functions ran " + entry.shutdowns + " times";
		}
		if (entry.shutdownBits != kind.bits) {
			return "ended with bits " + entry.shutdownBits + ", expected " + kind.bits;
		}
		if (entry.closes.get() != (kind.closes ? 1 : 0)) {
			return "close callbacks ran " + entry.closes + " times";
		}
		if (kind.closes && (entry.closeBits & 1) == 0) {
			return "close callback saw bits " + entry.closeBits;
		}
		if (entry.unearnedInterrupts.get() != 0) {
			return "saw an interrupt it did not earn";
		}
		if (kind == Kind.IGNORE && !entry.note.equals("ran-to-end aborted=true")) {
			return "ignoring handler did not run to its end aborted";
		}
		return null;
	}

	private void awaitQuiet() {
		try {
			await().atMost(Duration.ofSeconds(60)).until(this.requests::isEmpty);
		}
		catch (org.awaitility.core.ConditionTimeoutException ex) {
			List<String> stuck = this.requests.all()
				.stream()
				.limit(15)
				.map((handle) -> handle + " elapsed=" + handle.getElapsed() + " threads=" + handle.getWorkerNames()
						+ " ledger=" + this.ledger.find(SoakLedger.tagOf(handle.getInfo().query())))
				.toList();
			throw new AssertionError(this.requests.size() + " requests still in flight, e.g. " + stuck, ex);
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> TcpStates.closeWait(this.port) == 0);
	}

	/** Run {@code total} requests from {@value #CONCURRENCY} clients; return each tag's kind. */
	private Map<String, Kind> run(String prefix, int total, long seed, Duration limit) throws Exception {
		Map<String, Kind> expected = new ConcurrentHashMap<>();
		Map<String, String> handlers = this.handlers;
		ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
		AtomicInteger next = new AtomicInteger();
		ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
		try {
			List<Future<?>> futures = new ArrayList<>();
			long deadline = System.nanoTime() + limit.toNanos();
			for (int c = 0; c < CONCURRENCY; c++) {
				futures.add(clients.submit(() -> {
					RawHttp keepAlive = null;
					try {
						int i;
						while ((i = next.getAndIncrement()) < total && System.nanoTime() < deadline) {
							SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
							Kind kind = Kind.pick(random);
							String tag = prefix + "-" + i;
							String handler = HANDLERS[random.nextInt(HANDLERS.length)];
							expected.put(tag, kind);
							handlers.put(tag, handler);
							try {
								keepAlive = request(kind, handler, tag, random, keepAlive);
							}
							catch (Exception ex) {
								failures.add(tag + " (" + kind + ", " + handler + "): " + ex + " "
										+ this.ledger.find(tag));
								keepAlive = closeQuietly(keepAlive);
							}
						}
					}
					finally {
						closeQuietly(keepAlive);
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(limit.toMillis() + 60_000, TimeUnit.MILLISECONDS);
			}
		}
		finally {
			clients.shutdownNow();
		}
		assertThat(next.get()).as("requests sent within %s", limit).isGreaterThanOrEqualTo(total);
		assertThat(failures).as("client-side failures").isEmpty();
		return expected;
	}

	private RawHttp request(Kind kind, String handler, String tag, SplittableRandom random, RawHttp keepAlive)
			throws IOException {
		switch (kind) {
			case NORMAL_KEEP_ALIVE -> {
				RawHttp client = (keepAlive != null) ? keepAlive : RawHttp.connect(this.port);
				RawHttp.Response response = client.get(normalPath(handler, tag, random))
					.readResponse(Duration.ofSeconds(30));
				expectOk(response);
				if ("close".equalsIgnoreCase(response.header("Connection"))) {
					client.close(); // Tomcat ends a connection after 100 requests
					return null;
				}
				return client;
			}
			case NORMAL_CLOSED -> {
				RawHttp client = RawHttp.connect(this.port);
				RawHttp.Response response = client.get(normalPath(handler, tag, random))
					.readResponse(Duration.ofSeconds(30));
				expectOk(response);
				leave(client, random);
			}
			case FIN_ABORT, RST_ABORT -> {
				long ms = handler.equals("deferred") ? 0 : 20_000;
				RawHttp client = RawHttp.connect(this.port).get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms);
				awaitStarted(tag);
				pause(random);
				if (kind == Kind.FIN_ABORT) {
					client.close();
				}
				else {
					client.reset();
				}
			}
			case TIMEOUT -> {
				long ms = handler.equals("deferred") ? 0 : 20_000;
				try (RawHttp client = RawHttp.connect(this.port)) {
					RawHttp.Response response = client
						.get("/soak/" + handler + "?tag=" + tag + "&ms=" + ms + "&limit=" + (20 + random.nextInt(40)))
						.readResponse(Duration.ofSeconds(30));
					if (response.status() != 503 || !response.body().contains("time limit")) {
						throw new IOException("expected the timeout's 503, got " + response);
					}
				}
			}
			case IGNORE, BOTH -> {
				String path = (kind == Kind.IGNORE) ? "/soak/ignoring?tag=" + tag + "&ms=" + random.nextInt(10)
						: "/soak/both?tag=" + tag + "&limit=" + (20 + random.nextInt(40));
				RawHttp client = RawHttp.connect(this.port).get(path);
				awaitStarted(tag);
				pause(random);
				leave(client, random);
			}
		}
		return keepAlive;
	}

	private static String normalPath(String handler, String tag, SplittableRandom random) {
		long ms = handler.equals("deferred") ? 1 + random.nextInt(5) : random.nextInt(3);
		return "/soak/" + handler + "?tag=" + tag + "&ms=" + ms;
	}

	private static void expectOk(RawHttp.Response response) throws IOException {
		if (response.status() != 200 || !response.body().startsWith("ok")) {
			throw new IOException("expected 200 ok, got " + response);
		}
	}

	private static void leave(RawHttp client, SplittableRandom random) throws IOException {
		if (random.nextBoolean()) {
			client.close();
		}
		else {
			client.reset();
		}
	}

	private static void pause(SplittableRandom random) {
		int ms = random.nextInt(4);
		if (ms > 0) {
			try {
				Thread.sleep(ms);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void awaitStarted(String tag) throws IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!this.ledger.started(tag)) {
			if (System.nanoTime() > deadline) {
				throw new IOException("handler never started");
			}
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException(ex);
			}
		}
	}

	private static RawHttp closeQuietly(RawHttp client) {
		if (client != null) {
			try {
				client.close();
			}
			catch (IOException ex) {
				// gone already
			}
		}
		return null;
	}

	static long heapAfterGc() throws InterruptedException {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

	static String loadAverage() {
		try {
			return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
		}
		catch (IOException ex) {
			return "?";
		}
	}

}
