package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stops of a mass departure give way to it ({@link RequestLifecycle#giveWayNanos}), on an
 * injected clock: they wait while aborts keep being signalled, up to a bound, and nothing
 * else waits with them.
 */
class RequestLifecycleGiveWayTests {

	private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false), 1, "give-way-test-", this.nanos::get);

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void destroy() {
		this.release.countDown();
		this.lifecycle.destroy();
	}

	/** Keep the only stopping thread busy until {@link #release}, so that what follows is queued. */
	private void occupyTheStoppingThread() {
		CountDownLatch started = new CountDownLatch(1);
		RequestHandle blocker = start();
		blocker.addStopAction((bits) -> {
			started.countDown();
			this.release.await(30, TimeUnit.SECONDS);
		});
		RequestLifecycle.signalAll(List.of(blocker), ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> started.getCount() == 0);
	}

	private List<RequestHandle> requests(int count, AtomicInteger stops) {
		List<RequestHandle> handles = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			RequestHandle handle = start();
			handle.addStopAction((bits) -> stops.incrementAndGet());
			handles.add(handle);
		}
		return handles;
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/give-way", null, null, "HTTP/1.1"), null, false);
	}

	/** Long enough for a stopping thread to have run what it was free to run. */
	private static void settle() {
		await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
	}

	@Test
	void stopsOfAMassDepartureWaitUntilNoAbortCameForTheQuietPeriod() {
		occupyTheStoppingThread();
		AtomicInteger stops = new AtomicInteger();
		AtomicInteger closes = new AtomicInteger();
		List<RequestHandle> burst = requests(RequestLifecycle.GIVE_WAY_BURST, stops);
		burst.forEach((handle) -> handle.onClose((status) -> closes.incrementAndGet()));
		RequestLifecycle.signalAll(burst, ConnectionStatus.ABORTED, "client");
		AtomicInteger laterStops = new AtomicInteger();
		RequestLifecycle.signalAll(requests(1, laterStops), ConnectionStatus.ABORTED, "client");
		this.release.countDown();
		// The clock stands still: the burst is not over.
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == RequestLifecycle.GIVE_WAY_BURST);
		settle();
		assertThat(stops).hasValue(0);
		// The latest departure belongs to the burst: it waits with the others.
		assertThat(laterStops).hasValue(0);
		this.nanos.addAndGet(RequestLifecycle.GIVE_WAY_QUIET_NANOS);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> stops.get() == RequestLifecycle.GIVE_WAY_BURST && laterStops.get() == 1);
	}

	@Test
	void stopsGiveWayForAtMostTheBoundWhileAbortsKeepComing() {
		occupyTheStoppingThread();
		AtomicInteger stops = new AtomicInteger();
		RequestLifecycle.signalAll(requests(RequestLifecycle.GIVE_WAY_BURST, stops), ConnectionStatus.ABORTED,
				"client");
		this.release.countDown();
		AtomicInteger laterStops = new AtomicInteger();
		long step = RequestLifecycle.GIVE_WAY_QUIET_NANOS / 2;
		long waited = 0;
		while (waited + step < RequestLifecycle.GIVE_WAY_MAX_NANOS) {
			this.nanos.addAndGet(step);
			waited += step;
			RequestLifecycle.signalAll(requests(1, laterStops), ConnectionStatus.ABORTED, "client");
		}
		settle();
		assertThat(stops).hasValue(0);
		this.nanos.addAndGet(RequestLifecycle.GIVE_WAY_MAX_NANOS - waited);
		RequestLifecycle.signalAll(requests(1, laterStops), ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> stops.get() == RequestLifecycle.GIVE_WAY_BURST);
	}

	@Test
	void aFewDeparturesAndTimeLimitsAreStoppedAtOnceEvenDuringAMassDeparture() {
		occupyTheStoppingThread();
		AtomicInteger few = new AtomicInteger();
		RequestLifecycle.signalAll(requests(3, few), ConnectionStatus.ABORTED, "client");
		RequestLifecycle.signalAll(requests(1, new AtomicInteger()), ConnectionStatus.ABORTED, "client");
		this.release.countDown();
		// A burst of a few is no mass departure: stopped with the clock standing still.
		await().atMost(Duration.ofSeconds(10)).until(() -> few.get() == 3);
		AtomicInteger massStops = new AtomicInteger();
		RequestLifecycle.signalAll(requests(RequestLifecycle.GIVE_WAY_BURST, massStops), ConnectionStatus.ABORTED,
				"client");
		RequestLifecycle.signalAll(requests(1, new AtomicInteger()), ConnectionStatus.ABORTED, "client");
		AtomicInteger timedOut = new AtomicInteger();
		RequestLifecycle.signalAll(requests(RequestLifecycle.GIVE_WAY_BURST, timedOut), ConnectionStatus.TIMEOUT,
				"timeout");
		// The mass departure's stops wait, and leave the thread to the time limits' stops.
		await().atMost(Duration.ofSeconds(10)).until(() -> timedOut.get() == RequestLifecycle.GIVE_WAY_BURST);
		assertThat(massStops).hasValue(0);
		this.nanos.addAndGet(RequestLifecycle.GIVE_WAY_QUIET_NANOS);
		await().atMost(Duration.ofSeconds(10)).until(() -> massStops.get() == RequestLifecycle.GIVE_WAY_BURST);
	}

	@Test
	void aStopAfterTheAbortWasNoLongerIgnoredDoesNotGiveWay() {
		occupyTheStoppingThread();
		RequestHandle ignoring = start();
		AtomicInteger stopped = new AtomicInteger();
		ignoring.addStopAction((bits) -> stopped.incrementAndGet());
		ignoring.ignoreUserAbort(true);
		List<RequestHandle> burst = new ArrayList<>(requests(RequestLifecycle.GIVE_WAY_BURST, new AtomicInteger()));
		burst.add(ignoring);
		RequestLifecycle.signalAll(burst, ConnectionStatus.ABORTED, "client");
		RequestLifecycle.signalAll(requests(1, new AtomicInteger()), ConnectionStatus.ABORTED, "client");
		this.release.countDown();
		settle();
		assertThat(stopped).hasValue(0);
		ignoring.ignoreUserAbort(false);
		await().atMost(Duration.ofSeconds(10)).until(() -> stopped.get() == 1);
	}

}
