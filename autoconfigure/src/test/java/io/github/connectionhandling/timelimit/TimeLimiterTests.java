package io.github.connectionhandling.timelimit;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TimeLimiter} on its own: the young queue that spares short requests
 * the scheduler (the containers are covered by the time-limit tests in {@code it}).
 */
class TimeLimiterTests {

	private TimeLimiter limiter;

	private RequestLifecycle lifecycle;

	@AfterEach
	void stop() {
		this.lifecycle.destroy();
		this.limiter.destroy();
	}

	private void limiter(Duration drainDelay, Duration maxExecutionTime) {
		this.limiter = new TimeLimiter(false, drainDelay);
		this.lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(this.limiter),
				new RequestLifecycle.Settings(maxExecutionTime, false, false));
	}

	@Test
	void requestStillRunningAtTheDrainIsArmedAndTimesOutAtItsDeadline() {
		limiter(Duration.ofMillis(50), Duration.ofMillis(400));
		RequestHandle handle = this.lifecycle.start(info(), null, false);
		// Queued first (its limit is over the eager one), then armed by the drain.
		assertThat(this.limiter.armedCount()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(10)).until(handle::isTimedOut);
		assertThat(System.nanoTime() - handle.getStartNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
		this.lifecycle.finish(handle);
		assertThat(this.limiter.armedCount()).isZero();
	}

	@Test
	void requestThatEndsBeforeTheDrainIsNeverArmed() {
		limiter(Duration.ofHours(1), Duration.ofMillis(400));
		RequestHandle handle = this.lifecycle.start(info(), null, false);
		assertThat(this.limiter.armedCount()).isEqualTo(1);
		this.lifecycle.finish(handle);
		assertThat(this.limiter.armedCount()).isZero();
		assertThat(handle.isTimedOut()).isFalse();
	}

	@Test
	void requestOnItsThreadIsLeftToTheDrainWithoutAQueueEntryAndTimesOutAtItsDeadline() throws Exception {
		limiter(Duration.ofMillis(50), Duration.ofMillis(400));
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			RequestHandle handle = worker.submit(() -> this.lifecycle.start(info(), null, false)).get(5, SECONDS);
			// Found on its thread's slot by the drain, which arms a timer for it.
			await().atMost(Duration.ofSeconds(5)).until(() -> !TimeLimiter.TIMER.isDeferred(handle));
			assertThat(TimeLimiter.TIMER.get(handle)).isNotNull();
			assertThat(this.limiter.armedCount()).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10)).until(handle::isTimedOut);
			assertThat(System.nanoTime() - handle.getStartNanos())
				.isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
			worker.submit(() -> this.lifecycle.finish(handle)).get(5, SECONDS);
			assertThat(this.limiter.armedCount()).isZero();
		}
		finally {
			worker.shutdownNow();
		}
	}

	@Test
	void drainLeavesARequestThatStartedSinceTheLastToTheNextOneWhichItSchedulesItself() throws Exception {
		limiter(Duration.ofMillis(300), Duration.ofSeconds(30));
		ExecutorService workers = Executors.newFixedThreadPool(2);
		try {
			RequestHandle first = workers.submit(() -> this.lifecycle.start(info(), null, false)).get(5, SECONDS);
			Thread.sleep(200);
			// Runs for 100 ms at most when the drain comes: most such requests are done by
			// the next drain, so this one does not touch the scheduler yet.
			RequestHandle second = workers.submit(() -> this.lifecycle.start(info(), null, false)).get(5, SECONDS);
			await().atMost(Duration.ofSeconds(5)).until(() -> !TimeLimiter.TIMER.isDeferred(first));
			assertThat(TimeLimiter.TIMER.isDeferred(second)).isTrue();
			// No request starts now: the drain scheduled the next drain itself.
			await().atMost(Duration.ofSeconds(5)).until(() -> !TimeLimiter.TIMER.isDeferred(second));
			assertThat(TimeLimiter.TIMER.get(second)).isNotNull();
			assertThat(this.limiter.armedCount()).isEqualTo(2);
			for (RequestHandle handle : List.of(first, second)) {
				this.lifecycle.finish(handle);
			}
			assertThat(this.limiter.armedCount()).isZero();
		}
		finally {
			workers.shutdownNow();
		}
	}

	@Test
	void requestThatEndsOnItsThreadBeforeTheDrainIsNeverArmedNorQueued() throws Exception {
		limiter(Duration.ofHours(1), Duration.ofMillis(400));
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			RequestHandle handle = worker.submit(() -> this.lifecycle.start(info(), null, false)).get(5, SECONDS);
			assertThat(TimeLimiter.TIMER.isDeferred(handle)).isTrue();
			assertThat(this.limiter.armedCount()).isEqualTo(1);
			worker.submit(() -> this.lifecycle.finish(handle)).get(5, SECONDS);
			assertThat(TimeLimiter.TIMER.get(handle)).isNull();
			assertThat(TimeLimiter.TIMER.isDeferred(handle)).isFalse();
			assertThat(this.limiter.armedCount()).isZero();
		}
		finally {
			worker.shutdownNow();
		}
	}

	@Test
	void requestThatLeavesItsThreadIsQueuedForTheDrainAndTimesOut() throws Exception {
		limiter(Duration.ofMillis(50), Duration.ofMillis(400));
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			// An async request: its first dispatch ends, its work goes on elsewhere.
			RequestHandle handle = worker.submit(() -> {
				RequestHandle started = this.lifecycle.start(info(), null, false);
				this.lifecycle.leaveThread(started);
				return started;
			}).get(5, SECONDS);
			assertThat(handle.isOnThreadSlot()).isFalse();
			assertThat(TimeLimiter.TIMER.get(handle)).isNotNull();
			await().atMost(Duration.ofSeconds(10)).until(handle::isTimedOut);
			this.lifecycle.finish(handle);
			assertThat(this.limiter.armedCount()).isZero();
		}
		finally {
			worker.shutdownNow();
		}
	}

	@Test
	void finishedRequestIsNotKeptAliveByTheQueueUntilTheDrain() {
		// Under load the queue holds every request of the last drain delay: holding the
		// requests themselves kept their graphs alive through young collections.
		limiter(Duration.ofHours(1), Duration.ofSeconds(30));
		List<WeakReference<RequestHandle>> finished = List.of(startAndFinish(false), startAndFinish(true));
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			System.gc();
			return finished.stream().allMatch((reference) -> reference.get() == null);
		});
		assertThat(this.limiter.armedCount()).isZero();
	}

	// A method of its own, so that no local variable keeps the request reachable.
	private WeakReference<RequestHandle> startAndFinish(boolean async) {
		RequestHandle handle = this.lifecycle.start(info(), null, false);
		if (async) {
			// Queued when its first dispatch ends (off its thread's slot).
			this.lifecycle.leaveThread(handle);
			assertThat(TimeLimiter.TIMER.get(handle)).isNotNull();
		}
		this.lifecycle.finish(handle);
		return new WeakReference<>(handle);
	}

	private static RequestInfo info() {
		return new RequestInfo("GET", "/work", null, "127.0.0.1:1", "HTTP/1.1");
	}

}
