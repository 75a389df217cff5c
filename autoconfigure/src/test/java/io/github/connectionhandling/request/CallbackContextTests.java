package io.github.connectionhandling.request;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.NullObservation;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request thread's MDC, observation and span, captured there, are what a callback on
 * another thread sees, and that thread's own context is back afterwards.
 */
class CallbackContextTests {

	private final ExecutorService callbackThread = Executors.newSingleThreadExecutor();

	private final SimpleTracer tracer = new SimpleTracer();

	private final ObservationRegistry registry = ObservationRegistry.create();

	@AfterEach
	void shutdown() {
		this.callbackThread.shutdownNow();
		MDC.clear();
	}

	@Test
	void callbackSeesTheCapturedMdcObservationAndSpanThenTheThreadItsOwn() throws Exception {
		assertThat(CallbackContext.isAvailable()).isTrue();
		this.registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(this.tracer));
		// The callback thread has a context of its own, left over from earlier work.
		this.callbackThread.submit(() -> MDC.put("own", "callback-thread")).get(10, TimeUnit.SECONDS);
		Observation observation = Observation.start("http.server.requests", this.registry);
		CallbackContext context;
		String traceId;
		try (Observation.Scope scope = observation.openScope()) {
			MDC.put("user", "alice");
			traceId = this.tracer.currentSpan().context().traceId();
			context = CallbackContext.capture();
		}
		finally {
			MDC.remove("user");
		}
		List<String> seen = new ArrayList<>();
		this.callbackThread.submit(() -> context.accept((String argument) -> {
			seen.add(argument);
			seen.add("user=" + MDC.get("user"));
			seen.add("own=" + MDC.get("own"));
			seen.add("observation=" + (this.registry.getCurrentObservation() == observation));
			seen.add("trace=" + this.tracer.currentSpan().context().traceId());
		}, "callback")).get(10, TimeUnit.SECONDS);
		assertThat(seen).containsExactly("callback", "user=alice", "own=null", "observation=true", "trace=" + traceId);
		// Removed afterwards: the thread's own context is back, nothing of the request's.
		List<String> after = new ArrayList<>();
		this.callbackThread.submit(() -> {
			after.add("user=" + MDC.get("user"));
			after.add("own=" + MDC.get("own"));
			after.add("observation=" + this.registry.getCurrentObservation());
			after.add("span=" + this.tracer.currentSpan());
		}).get(10, TimeUnit.SECONDS);
		assertThat(after).containsExactly("user=null", "own=callback-thread", "observation=null", "span=null");
		observation.stop();
	}

	@Test
	void contextCapturedOutsideAnyObservationClearsTheCallbackThreadsOwn() throws Exception {
		this.registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(this.tracer));
		Observation leftover = Observation.start("leftover", this.registry);
		this.callbackThread.submit(() -> {
			MDC.put("own", "callback-thread");
			leftover.openScope();
		}).get(10, TimeUnit.SECONDS);
		MDC.put("user", "bob");
		CallbackContext context = CallbackContext.capture();
		List<String> seen = new ArrayList<>();
		this.callbackThread.submit(() -> context.run(() -> {
			seen.add("user=" + MDC.get("user"));
			seen.add("own=" + MDC.get("own"));
			// Micrometer's context-propagation stands for "no observation" with a NullObservation.
			Observation current = this.registry.getCurrentObservation();
			seen.add("observation=" + ((current == null || current instanceof NullObservation) ? "none" : current));
			seen.add("span=" + this.tracer.currentSpan());
		})).get(10, TimeUnit.SECONDS);
		assertThat(seen).containsExactly("user=bob", "own=null", "observation=none", "span=null");
		this.callbackThread.submit(() -> seen.add("back=" + (this.registry.getCurrentObservation() == leftover)))
			.get(10, TimeUnit.SECONDS);
		assertThat(seen).endsWith("back=true");
	}

}
