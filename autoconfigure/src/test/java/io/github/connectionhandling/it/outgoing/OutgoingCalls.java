package io.github.connectionhandling.it.outgoing;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import io.github.connectionhandling.it.Events;
import io.github.connectionhandling.it.RawHttp;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drives one outgoing-call scenario: a request whose handler calls the slow upstream, its
 * client leaves, the upstream sees its connection close, and the next call through the same
 * client succeeds.
 */
final class OutgoingCalls {

	private final int port;

	private final Events events;

	OutgoingCalls(int port, Events events) {
		this.port = port;
		this.events = events;
	}

	/**
	 * Call {@code target} (tagged {@code tag}), close the client once the upstream has the
	 * call, and return how the handler's call ended.
	 */
	String abort(String target, String tag) throws IOException {
		RawHttp client = RawHttp.connect(this.port).get(target);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has("upstream-" + tag, "started"));
		long closed = System.nanoTime();
		client.close();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has("upstream-" + tag, "closed"));
		System.out.printf("outgoing %s: the upstream saw its connection close %.1f ms after the client left%n", tag,
				(this.events.nanosOf("upstream-" + tag, "closed") - closed) / 1e6);
		return await().atMost(Duration.ofSeconds(10)).until(() -> outcome(tag), Optional::isPresent).orElseThrow();
	}

	/**
	 * Bench only: over {@code -Dbench.rounds} rounds, how long after the client left the
	 * upstream saw the call's connection close; prints one {@code bench} line.
	 */
	void bench(String name, String target) throws IOException {
		int rounds = Integer.getInteger("bench.rounds", 0);
		Assumptions.assumeTrue(rounds > 0, "Bench only: run with -Dbench.rounds=N");
		double[] millis = new double[rounds];
		for (int i = 0; i < rounds; i++) {
			String tag = "bench-" + name + "-" + i;
			RawHttp client = RawHttp.connect(this.port).get(target + "&tag=" + tag);
			await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has("upstream-" + tag, "started"));
			long closed = System.nanoTime();
			client.close();
			await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has("upstream-" + tag, "closed"));
			millis[i] = (this.events.nanosOf("upstream-" + tag, "closed") - closed) / 1e6;
			await().atMost(Duration.ofSeconds(10)).until(() -> outcome(tag).isPresent());
		}
		Arrays.sort(millis);
		System.out.printf("bench client-abort-latency client=%s rounds=%d median=%.1f p99=%.1f max=%.1f%n", name,
				rounds, millis[rounds / 2], millis[(int) Math.min(rounds - 1, Math.ceil(rounds * 0.99) - 1)],
				millis[rounds - 1]);
	}

	/** Assert that the next call through {@code client} gets the upstream's answer. */
	void assertNextCallSucceeds(String client) throws IOException {
		try (RawHttp next = RawHttp.connect(this.port)) {
			RawHttp.Response response = next.get("/out/fast?client=" + client).readResponse(Duration.ofSeconds(10));
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).contains("ok");
		}
	}

	private Optional<String> outcome(String tag) {
		return this.events.of(tag)
			.stream()
			.filter((e) -> e.equals("done") || e.equals("cancelled") || e.startsWith("stopped:")
					|| e.startsWith("failed:"))
			.findFirst();
	}

}
