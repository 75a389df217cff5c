package io.github.connectionhandling.observation;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestObservationEvents} on a real lifecycle and a tracer: one event per bit,
 * at the moment it was signalled, whether the participant hears of it before the request
 * finishes or only when it finishes.
 */
class RequestObservationEventsTests {

	private final SimpleTracer tracer = new SimpleTracer();

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final RequestObservationEvents events = new RequestObservationEvents(this.registry);

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(this.events),
			new RequestLifecycle.Settings(Duration.ZERO, true, false));

	RequestObservationEventsTests() {
		this.registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(this.tracer));
	}

	@AfterEach
	void destroy() {
		this.lifecycle.destroy();
	}

	@Test
	void abortAndTimeoutAreEventsWithTheError() {
		Observation observation = serverObservation();
		RequestHandle handle;
		try (Observation.Scope scope = observation.openScope()) {
			handle = start();
		}
		long before = System.currentTimeMillis();
		handle.signal(ConnectionStatus.ABORTED, "client");
		handle.signal(ConnectionStatus.TIMEOUT, "timeout");
		long after = System.currentTimeMillis();
		this.lifecycle.finish(handle);
		observation.stop();
		SimpleSpan span = this.tracer.onlySpan();
		assertThat(span.getEvents()).extracting(Map.Entry::getValue)
			.containsExactly(RequestObservationEvents.ABORTED, RequestObservationEvents.TIMED_OUT);
		for (Map.Entry<Long, String> event : span.getEvents()) {
			assertThat(event.getKey() / 1000).isBetween(before, after);
		}
		assertThat(span.getError()).isInstanceOf(RequestStoppedException.class);
		assertThat(this.events.followedCount()).isZero();
	}

	@Test
	void abortReportedAfterTheRequestFinishedIsRecordedOnceWhenItFinishes() {
		Observation observation = serverObservation();
		RequestHandle handle;
		try (Observation.Scope scope = observation.openScope()) {
			handle = start();
		}
		long before = System.currentTimeMillis();
		// As the detector does: the bit now, the participants later, on the callback pool,
		// racing with the request's end.
		RequestLifecycle.signalAll(List.of(handle), ConnectionStatus.ABORTED, "client");
		this.lifecycle.finish(handle);
		observation.stop();
		SimpleSpan span = this.tracer.onlySpan();
		assertThat(span.getEvents()).singleElement().satisfies((event) -> {
			assertThat(event.getValue()).isEqualTo(RequestObservationEvents.ABORTED);
			assertThat(event.getKey() / 1000).isGreaterThanOrEqualTo(before);
			assertThat(event.getKey() / 1000).isLessThanOrEqualTo(span.getEndTimestamp().toEpochMilli());
		});
		assertThat(span.getError()).isInstanceOf(RequestStoppedException.class);
	}

	@Test
	void requestStartedOutsideAServerObservationIsNotFollowed() {
		RequestHandle plain = start();
		Observation other = Observation.start("task", this.registry);
		RequestHandle inOther;
		try (Observation.Scope scope = other.openScope()) {
			inOther = start();
		}
		assertThat(this.events.followedCount()).isZero();
		plain.signal(ConnectionStatus.TIMEOUT, "timeout");
		inOther.signal(ConnectionStatus.TIMEOUT, "timeout");
		this.lifecycle.finish(plain);
		this.lifecycle.finish(inOther);
		other.stop();
		assertThat(this.tracer.onlySpan().getEvents()).isEmpty();
	}

	private Observation serverObservation() {
		ServerRequestObservationContext context = new ServerRequestObservationContext(
				new MockHttpServletRequest("GET", "/report"), new MockHttpServletResponse());
		return Observation.createNotStarted("http.server.requests", () -> context, this.registry).start();
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/report", null, null, "HTTP/1.1"), null, false);
	}

}
