package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Races on one request's lifecycle: abort, timeout and finish from different threads at
 * the same moment, and close callbacks registered while (or after) the abort fires.
 * Whatever the order, each callback runs exactly once and the totals match the bits.
 */
class RequestLifecycleRaceTests {

	private static final int ROUNDS = 500;

	private final InFlightRequests requests = new InFlightRequests();

	private final RequestLifecycle lifecycle = new RequestLifecycle(this.requests, List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final ExecutorService threads = Executors.newFixedThreadPool(3);

	@AfterEach
	void stop() {
		this.threads.shutdownNow();
		this.lifecycle.destroy();
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/race", null, null, "HTTP/1.1"), null, false);
	}

	@Test
	void abortTimeoutAndFinishAtTheSameMomentRunEachCallbackOnce() throws Exception {
		List<RequestHandle> handles = new ArrayList<>();
		List<AtomicInteger> closes = new ArrayList<>();
		List<AtomicInteger> shutdowns = new ArrayList<>();
		List<int[]> shutdownBits = new ArrayList<>();
		for (int i = 0; i < ROUNDS; i++) {
			RequestHandle handle = start();
			AtomicInteger close = new AtomicInteger();
			AtomicInteger shutdown = new AtomicInteger();
			int[] bits = { -1 };
			handle.onClose((status) -> close.incrementAndGet());
			handle.onShutdown((status) -> {
				bits[0] = status.bits();
				shutdown.incrementAndGet();
			});
			CyclicBarrier barrier = new CyclicBarrier(3);
			List<Future<?>> futures = List.of(
					this.threads.submit(() -> race(barrier, () -> handle.signal(ConnectionStatus.ABORTED, "client"))),
					this.threads.submit(() -> race(barrier, () -> handle.signal(ConnectionStatus.TIMEOUT, "timeout"))),
					this.threads.submit(() -> race(barrier, () -> this.lifecycle.finish(handle))));
			for (Future<?> future : futures) {
				future.get(10, TimeUnit.SECONDS);
			}
			handles.add(handle);
			closes.add(close);
			shutdowns.add(shutdown);
			shutdownBits.add(bits);
		}
		assertThat(this.requests.isEmpty()).isTrue();
		// Close callbacks run on the callback pool: wait for those of aborted requests.
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			for (int i = 0; i < ROUNDS; i++) {
				if (handles.get(i).isAborted() && closes.get(i).get() == 0) {
					return false;
				}
			}
			return true;
		});
		Thread.sleep(100); // late duplicates would show now
		long normal = 0;
		long aborted = 0;
		long timedOut = 0;
		for (int i = 0; i < ROUNDS; i++) {
			RequestHandle handle = handles.get(i);
			int bits = handle.bits();
			assertThat(shutdowns.get(i)).as("shutdown functions of round %d", i).hasValue(1);
			assertThat(shutdownBits.get(i)[0]).as("bits the shutdown function saw in round %d", i).isEqualTo(bits);
			assertThat(closes.get(i)).as("close callbacks of round %d (bits %d)", i, bits)
				.hasValue(handle.isAborted() ? 1 : 0);
			normal += (bits == 0) ? 1 : 0;
			aborted += handle.isAborted() ? 1 : 0;
			timedOut += handle.isTimedOut() ? 1 : 0;
		}
		InFlightRequests.Totals totals = this.requests.totals();
		assertThat(totals.completed()).isEqualTo(ROUNDS);
		assertThat(totals.normal()).isEqualTo(normal);
		assertThat(totals.aborted()).isEqualTo(aborted);
		assertThat(totals.timedOut()).isEqualTo(timedOut);
	}

	@Test
	void closeCallbacksRegisteredWhileTheAbortFiresRunExactlyOnce() throws Exception {
		int perRound = 20;
		for (int i = 0; i < ROUNDS / 5; i++) {
			RequestHandle handle = start();
			AtomicInteger[] counts = new AtomicInteger[perRound];
			CountDownLatch registered = new CountDownLatch(1);
			CyclicBarrier barrier = new CyclicBarrier(2);
			Future<?> registering = this.threads.submit(() -> race(barrier, () -> {
				for (int c = 0; c < perRound; c++) {
					AtomicInteger count = new AtomicInteger();
					counts[c] = count;
					handle.onClose((status) -> count.incrementAndGet());
				}
				registered.countDown();
			}));
			Future<?> aborting = this.threads
				.submit(() -> race(barrier, () -> handle.signal(ConnectionStatus.ABORTED, "client")));
			registering.get(10, TimeUnit.SECONDS);
			aborting.get(10, TimeUnit.SECONDS);
			registered.await();
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				for (AtomicInteger count : counts) {
					if (count.get() == 0) {
						return false;
					}
				}
				return true;
			});
			this.lifecycle.finish(handle);
			Thread.sleep(1);
			for (int c = 0; c < perRound; c++) {
				assertThat(counts[c]).as("callback %d of round %d", c, i).hasValue(1);
			}
		}
	}

	@Test
	void closeCallbackRegisteredAfterTheAbortRunsAtOnceExactlyOnce() throws Exception {
		RequestHandle handle = start();
		CountDownLatch fired = new CountDownLatch(1);
		handle.onClose((status) -> fired.countDown());
		assertThat(handle.signal(ConnectionStatus.ABORTED, "client")).isTrue();
		assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
		AtomicInteger late = new AtomicInteger();
		List<Integer> bitsSeen = new ArrayList<>();
		Thread caller = Thread.currentThread();
		handle.onClose((status) -> {
			// At once: on the registering thread, before onClose returns.
			assertThat(Thread.currentThread()).isSameAs(caller);
			bitsSeen.add(status.bits());
			late.incrementAndGet();
		});
		assertThat(late).hasValue(1);
		assertThat(bitsSeen).containsExactly(ConnectionStatus.ABORTED);
		// Neither a second abort nor the end of the request runs it again.
		assertThat(handle.signal(ConnectionStatus.ABORTED, "actuator")).isFalse();
		this.lifecycle.finish(handle);
		Thread.sleep(50);
		assertThat(late).hasValue(1);
		// Registered after the request ended (e.g. by a leaked reference): still once.
		AtomicInteger afterFinish = new AtomicInteger();
		handle.onClose((status) -> afterFinish.incrementAndGet());
		assertThat(afterFinish).hasValue(1);
	}

	private static void race(CyclicBarrier barrier, Runnable action) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		action.run();
	}

}
