package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.connectionhandling.ConnectionStatus;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Close callbacks and shutdown functions run with the MDC and the current observation of
 * the thread that registered them, on whatever thread they run, and leave neither behind.
 */
class CallbackContextTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final Map<String, Object> seen = new ConcurrentHashMap<>();

	@AfterEach
	void stop() {
		MDC.clear();
		this.lifecycle.destroy();
	}

	@Test
	void closeCallbackAndShutdownFunctionSeeTheRequestsMdcAndObservation() {
		this.registry.observationConfig().observationHandler((context) -> true);
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, null, "HTTP/1.1"), null, false);
		Observation observation = Observation.start("http.server.requests", this.registry);
		MDC.put("user", "alice");
		try (Observation.Scope scope = observation.openScope()) {
			handle.onClose((status) -> record("close"));
			handle.onShutdown((status) -> record("shutdown"));
		}
		MDC.clear();
		this.lifecycle.signal(handle, ConnectionStatus.ABORTED, "client");
		this.lifecycle.finish(handle);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.seen.containsKey("shutdown.after"));
		assertThat(this.seen).containsEntry("close.user", "alice")
			.containsEntry("close.observation", observation)
			.containsEntry("shutdown.user", "alice")
			.containsEntry("shutdown.observation", observation);
		assertThat(this.seen.get("close.thread")).isNotEqualTo(Thread.currentThread().getName());
		observation.stop();
	}

	@Test
	void theContextIsRemovedFromTheCallbacksThreadAfterwards() {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, null, "HTTP/1.1"), null, false);
		MDC.put("user", "bob");
		handle.onShutdown((status) -> record("shutdown"));
		MDC.put("user", "request thread's own");
		this.lifecycle.finish(handle);
		// Ran here (the request's thread): its MDC is back to what it was.
		assertThat(this.seen).containsEntry("shutdown.user", "bob");
		assertThat(MDC.get("user")).isEqualTo("request thread's own");
	}

	private void record(String what) {
		this.seen.put(what + ".user", String.valueOf(MDC.get("user")));
		Observation current = this.registry.getCurrentObservation();
		if (current != null) {
			this.seen.put(what + ".observation", current);
		}
		this.seen.put(what + ".thread", Thread.currentThread().getName());
		this.seen.put(what + ".after", true);
	}

}
