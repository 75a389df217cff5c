package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many requests signalled at once ({@link RequestLifecycle#signalAll}), as the detector does
 * when many clients leave in one wake-up: every close callback and every stop runs exactly
 * once, and neither slow stops nor a slow or failing callback hold up the others.
 */
class RequestLifecycleBurstTests {

	private static final int BURST = 40;

	private final List<RequestLifecycle> lifecycles = new ArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void stop() {
		this.release.countDown();
		this.lifecycles.forEach(RequestLifecycle::destroy);
	}

	private RequestLifecycle lifecycle(LifecycleParticipant... participants) {
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(participants),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		this.lifecycles.add(lifecycle);
		return lifecycle;
	}

	private static RequestHandle start(RequestLifecycle lifecycle) {
		return lifecycle.start(new RequestInfo("GET", "/burst", null, null, "HTTP/1.1"), null, false);
	}

	@Test
	void aBurstSignalledAsTheLifecycleIsDestroyedStillRunsItsCallbacksAndStopsOnce() {
		// The detector may be queueing a burst's stops while the lifecycle is destroyed
		// (the context closes).
		RequestLifecycle lifecycle = lifecycle();
		List<RequestHandle> handles = new ArrayList<>();
		AtomicInteger closes = new AtomicInteger();
		AtomicInteger stops = new AtomicInteger();
		for (int i = 0; i < 10; i++) {
			RequestHandle handle = start(lifecycle);
			handle.onClose((status) -> closes.incrementAndGet());
			handle.addStopAction((bits) -> stops.incrementAndGet());
			handles.add(handle);
		}
		lifecycle.destroy();
		RequestLifecycle.signalAll(handles, ConnectionStatus.ABORTED, "client");
		assertThat(closes).hasValue(10);
		assertThat(stops).hasValue(10);
	}

	@Test
	void everyCallbackAndStopRunsOnceAcrossLifecycles() {
		RequestLifecycle one = lifecycle();
		RequestLifecycle two = lifecycle();
		List<RequestHandle> handles = new ArrayList<>();
		List<AtomicInteger> closes = new ArrayList<>();
		List<AtomicInteger> stops = new ArrayList<>();
		for (int i = 0; i < BURST; i++) {
			RequestHandle handle = start((i % 3 == 0) ? two : one);
			AtomicInteger close = new AtomicInteger();
			AtomicInteger stop = new AtomicInteger();
			handle.onClose((status) -> close.incrementAndGet());
			handle.addStopAction((bits) -> stop.incrementAndGet());
			handles.add(handle);
			closes.add(close);
			stops.add(stop);
		}
		// The same request twice in one burst, and one that was signalled before.
		handles.get(5).signal(ConnectionStatus.ABORTED, "client");
		List<RequestHandle> burst = new ArrayList<>(handles);
		burst.add(handles.get(7));
		RequestLifecycle.signalAll(burst, ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> closes.stream().allMatch((c) -> c.get() == 1) && stops.stream().allMatch((s) -> s.get() == 1));
		// Nothing more arrives later either.
		await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> true);
		assertThat(closes).allSatisfy((c) -> assertThat(c).hasValue(1));
		assertThat(stops).allSatisfy((s) -> assertThat(s).hasValue(1));
		assertThat(handles).allSatisfy((h) -> assertThat(h.isAborted()).isTrue());
	}

	@Test
	void participantsHearOfEachAbortOffTheSignallingThreadBeforeItsCloseCallbacks() {
		// The detector signals a burst: it must only mark and queue, and get back to its
		// selector, while participants (meters register a close callback) still hear of
		// every request before its callbacks run.
		Map<RequestHandle, Thread> told = new ConcurrentHashMap<>();
		AtomicInteger toldTwice = new AtomicInteger();
		LifecycleParticipant participant = new LifecycleParticipant() {
			@Override
			public void signalled(RequestHandle handle, int bit, String reason) {
				if (told.put(handle, Thread.currentThread()) != null) {
					toldTwice.incrementAndGet();
				}
			}
		};
		RequestLifecycle lifecycle = lifecycle(participant);
		List<RequestHandle> handles = new ArrayList<>();
		AtomicInteger toldFirst = new AtomicInteger();
		AtomicInteger closes = new AtomicInteger();
		for (int i = 0; i < BURST; i++) {
			RequestHandle handle = start(lifecycle);
			handle.onClose((status) -> {
				if (told.containsKey(handle)) {
					toldFirst.incrementAndGet();
				}
				closes.incrementAndGet();
			});
			handles.add(handle);
		}
		RequestLifecycle.signalAll(handles, ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == BURST);
		assertThat(toldFirst).hasValue(BURST);
		assertThat(told).hasSize(BURST);
		assertThat(told.values()).doesNotContain(Thread.currentThread());
		assertThat(toldTwice).hasValue(0);
	}

	@Test
	void aParticipantThatThrowsKeepsNeitherTheOthersNorTheCallbacksFromAnAbort() {
		AtomicInteger toldAfterFailure = new AtomicInteger();
		LifecycleParticipant failing = new LifecycleParticipant() {
			@Override
			public void signalled(RequestHandle handle, int bit, String reason) {
				throw new IllegalStateException("participant failed on purpose");
			}
		};
		LifecycleParticipant counting = new LifecycleParticipant() {
			@Override
			public void signalled(RequestHandle handle, int bit, String reason) {
				toldAfterFailure.incrementAndGet();
			}
		};
		RequestLifecycle lifecycle = lifecycle(failing, counting);
		List<RequestHandle> handles = new ArrayList<>();
		AtomicInteger closes = new AtomicInteger();
		AtomicInteger shutdowns = new AtomicInteger();
		for (int i = 0; i < BURST; i++) {
			RequestHandle handle = start(lifecycle);
			handle.onClose((status) -> closes.incrementAndGet());
			handle.onShutdown((status) -> shutdowns.incrementAndGet());
			handles.add(handle);
		}
		RequestLifecycle.signalAll(handles, ConnectionStatus.ABORTED, "client");
		RequestHandle single = start(lifecycle);
		single.onClose((status) -> closes.incrementAndGet());
		single.onShutdown((status) -> shutdowns.incrementAndGet());
		single.signal(ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == BURST + 1);
		handles.forEach(lifecycle::finish);
		lifecycle.finish(single);
		await().atMost(Duration.ofSeconds(10)).until(() -> shutdowns.get() == BURST + 1);
		assertThat(toldAfterFailure).hasValue(BURST + 1);
	}

	@Test
	void closeCallbacksDoNotWaitForStopsThatBlock() throws Exception {
		RequestLifecycle lifecycle = lifecycle();
		List<RequestHandle> handles = new ArrayList<>();
		AtomicInteger closes = new AtomicInteger();
		AtomicInteger stopsStarted = new AtomicInteger();
		for (int i = 0; i < BURST; i++) {
			RequestHandle handle = start(lifecycle);
			handle.onClose((status) -> closes.incrementAndGet());
			handle.addStopAction((bits) -> {
				stopsStarted.incrementAndGet();
				this.release.await(30, TimeUnit.SECONDS);
			});
			handles.add(handle);
		}
		RequestLifecycle.signalAll(handles, ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == BURST);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> stopsStarted.get() == BURST);
	}

	@Test
	void stopsThatWakeHandlersArePacedAndLaterCloseCallbacksGoFirst() {
		// Handlers that ignore their interrupt and never end: every stop of this burst
		// waits its full pace (a few milliseconds) before the next.
		int burst = 200;
		RequestLifecycle lifecycle = lifecycle();
		AtomicInteger interrupted = new AtomicInteger();
		List<RequestHandle> first = new ArrayList<>();
		for (int i = 0; i < burst; i++) {
			RequestHandle handle = start(lifecycle);
			Thread worker = new Thread(() -> {
				boolean counted = false;
				while (this.release.getCount() > 0) {
					LockSupport.parkNanos(1_000_000);
					if (Thread.interrupted() && !counted) {
						counted = true;
						interrupted.incrementAndGet();
					}
				}
			});
			worker.setDaemon(true);
			worker.start();
			handle.attachWorker(worker);
			first.add(handle);
		}
		RequestLifecycle.signalAll(first, ConnectionStatus.ABORTED, "client");
		// Paced: not all woken at once (unpaced, 200 interrupts take well under a
		// millisecond; paced, each task waits for the handler it woke, up to its pace).
		await().pollDelay(Duration.ofMillis(50)).atMost(Duration.ofSeconds(10)).until(() -> true);
		assertThat(interrupted.get()).isLessThan(burst);
		RequestHandle later = start(lifecycle);
		AtomicInteger interruptedBeforeLaterCallback = new AtomicInteger(-1);
		later.onClose((status) -> interruptedBeforeLaterCallback.set(interrupted.get()));
		RequestLifecycle.signalAll(List.of(later), ConnectionStatus.ABORTED, "client");
		await().atMost(Duration.ofSeconds(10)).until(() -> interruptedBeforeLaterCallback.get() >= 0);
		// The later departure's callback did not wait for the first burst's paced stops...
		assertThat(interruptedBeforeLaterCallback.get()).isLessThan(burst);
		// ...and every one of those stops still happened.
		await().atMost(Duration.ofSeconds(30)).until(() -> interrupted.get() == burst);
	}

	@Test
	void aSlowOrFailingCallbackDoesNotHoldUpTheRestOfItsBurst() {
		RequestLifecycle lifecycle = lifecycle();
		List<RequestHandle> handles = new ArrayList<>();
		AtomicInteger closes = new AtomicInteger();
		for (int i = 0; i < BURST; i++) {
			RequestHandle handle = start(lifecycle);
			if (i == 0) {
				handle.onClose((status) -> {
					try {
						this.release.await(30, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				});
			}
			else if (i % 10 == 1) {
				handle.onClose((status) -> {
					throw new IllegalStateException("callback " + status + " failed on purpose");
				});
			}
			handle.onClose((status) -> closes.incrementAndGet());
			handles.add(handle);
		}
		RequestLifecycle.signalAll(handles, ConnectionStatus.ABORTED, "client");
		// All but the first, whose callbacks are stuck behind its slow one.
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == BURST - 1);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> closes.get() == BURST);
	}

}
