package io.github.connectionhandling.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.request.InFlightRequests;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the disconnect-detection tests share: the port, the event recorder, the registry of
 * requests in flight, unique tags, and the check that nothing is left behind.
 */
abstract class DetectionTestSupport {

	static final Duration WAIT = Duration.ofSeconds(10);

	private static final AtomicInteger tags = new AtomicInteger();

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	InFlightRequests requests;

	/** How a client leaves. */
	enum Leave {

		/** {@code close()}: FIN. */
		FIN,

		/** {@code SO_LINGER 0} then {@code close()}: RST. */
		RST;

		void apply(RawHttp client) throws Exception {
			if (this == FIN) {
				client.close();
			}
			else {
				client.reset();
			}
		}

	}

	static String tag(String name) {
		return name + "-" + tags.incrementAndGet();
	}

	void awaitEvent(String tag, String event) {
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events.of(tag)).contains(event));
	}

	void awaitEventStartingWith(String tag, String prefix) {
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.events.of(tag)).anyMatch((event) -> event.startsWith(prefix)));
	}

	List<String> closeEvents(String tag) {
		return this.events.of(tag).stream().filter((event) -> event.startsWith("close:")).toList();
	}

	/** The close callback ran exactly once, with ABORTED, on a thread not the request's. */
	void assertClosedOnceOffRequestThread(String tag) {
		List<String> closes = closeEvents(tag);
		assertThat(closes).as("close callbacks of %s: %s", tag, this.events.of(tag)).hasSize(1);
		assertThat(closes.get(0)).startsWith("close:1:");
		String closeThread = closes.get(0).substring("close:1:".length());
		this.events.of(tag)
			.stream()
			.filter((event) -> event.startsWith("thread:"))
			.forEach((event) -> assertThat(closeThread).isNotEqualTo(event.substring("thread:".length())));
		assertThat(closeThread).startsWith("connection-handling-callback");
	}

	/** No request in flight and no server socket of this port left in CLOSE_WAIT. */
	void assertNothingLeft() {
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.requests.all()).isEmpty());
		await().atMost(WAIT).untilAsserted(() -> assertThat(TcpStates.closeWait(this.port)).isZero());
	}

}
