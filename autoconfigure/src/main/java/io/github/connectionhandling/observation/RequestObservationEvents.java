package io.github.connectionhandling.observation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Records, on a request's {@code http.server.requests} observation, the moment its client
 * went away ({@value #ABORTED}) or its time limit ran out ({@value #TIMED_OUT}) as an
 * observation event, and the error: a tracing bridge turns them into a span event and
 * the span's error status.
 * <p>
 * The observation is the one current when the request starts: the starter's filter runs
 * inside Spring's {@code ServerHttpObservationFilter}, which opened its scope. An abort
 * reported after the request finished (the detector's report reaches participants on the
 * callback pool) is recorded when it finishes, with the time the abort was signalled,
 * before the observation stops.
 */
public final class RequestObservationEvents implements LifecycleParticipant {

	/** The event of a request whose client went away. */
	public static final String ABORTED = "connection.aborted";

	/** The event of a request whose time limit ran out. */
	public static final String TIMED_OUT = "connection.timeout";

	private final ObservationRegistry registry;

	private final Map<RequestHandle, Followed> followed = new ConcurrentHashMap<>();

	/**
	 * Create the participant.
	 * @param registry the registry whose current observation is the request's
	 */
	public RequestObservationEvents(ObservationRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void started(RequestHandle handle, boolean bodyPending) {
		Observation current = this.registry.getCurrentObservation();
		if (current != null && !current.isNoop() && current.getContext() instanceof ServerRequestObservationContext) {
			this.followed.put(handle, new Followed(current));
		}
	}

	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		Followed followed = this.followed.get(handle);
		if (followed != null) {
			followed.record(handle, bit);
		}
	}

	@Override
	public void finished(RequestHandle handle) {
		Followed followed = this.followed.remove(handle);
		if (followed == null) {
			return;
		}
		int bits = handle.bits();
		// Set already, but not yet reported to participants (see LifecycleParticipant#signalled).
		if ((bits & ConnectionStatus.ABORTED) != 0) {
			followed.record(handle, ConnectionStatus.ABORTED);
		}
		if ((bits & ConnectionStatus.TIMEOUT) != 0) {
			followed.record(handle, ConnectionStatus.TIMEOUT);
		}
	}

	/** Number of requests followed now; for tests. */
	int followedCount() {
		return this.followed.size();
	}

	private static final class Followed {

		private final Observation observation;

		private final AtomicInteger recorded = new AtomicInteger();

		Followed(Observation observation) {
			this.observation = observation;
		}

		// Synchronized: the request's own thread, finishing, must not let the observation
		// stop while a stopping thread is still recording the abort on it.
		synchronized void record(RequestHandle handle, int bit) {
			int before = this.recorded.getAndUpdate((bits) -> bits | bit);
			if ((before & bit) != 0) {
				return;
			}
			long wallTime = System.currentTimeMillis();
			String name = TIMED_OUT;
			if (bit == ConnectionStatus.ABORTED) {
				name = ABORTED;
				long abortedAt = handle.getAbortedAtNanos();
				if (abortedAt != 0) {
					// When the abort was signalled: the report may reach here later.
					wallTime -= TimeUnit.NANOSECONDS.toMillis(Math.max(0, System.nanoTime() - abortedAt));
				}
			}
			// Named alike for spans (which take the contextual name) and meters.
			this.observation.event(Observation.Event.of(name, name, wallTime));
			if (before == 0 && this.observation.getContext().getError() == null) {
				this.observation.error(new RequestStoppedException(handle.bits()));
			}
		}

	}

}
