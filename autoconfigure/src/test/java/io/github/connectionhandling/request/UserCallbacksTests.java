package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Close callbacks and shutdown functions queue for a few runner threads: each runs once,
 * off the submitting thread; one that blocks or throws holds up none queued after it;
 * an interrupt does not outlive its callback; one that overstays is logged once.
 */
@ExtendWith(OutputCaptureExtension.class)
class UserCallbacksTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final RequestHandle handle = this.lifecycle.start(
			new RequestInfo("GET", "/callbacks", null, "127.0.0.1:1", "HTTP/1.1"), null, false);

	private final CountDownLatch release = new CountDownLatch(1);

	private UserCallbacks callbacks = new UserCallbacks(Duration.ofSeconds(30), preferVirtual());

	/** Whether runners are virtual threads (where the JDK has them). */
	boolean preferVirtual() {
		return false;
	}

	@AfterEach
	void shutdown() {
		this.release.countDown();
		this.callbacks.shutdown();
		this.lifecycle.finish(this.handle);
		this.lifecycle.destroy();
	}

	@Test
	void runnersAreOfTheKindAsked() {
		assertThat(this.callbacks.usesVirtualThreads()).isEqualTo(preferVirtual());
	}

	@Test
	void aBurstRunsEachCallbackOnceOffTheSubmittingThread() {
		int burst = 2_000;
		AtomicInteger[] runs = new AtomicInteger[burst];
		Thread submitter = Thread.currentThread();
		AtomicBoolean onSubmitter = new AtomicBoolean();
		for (int i = 0; i < burst; i++) {
			AtomicInteger count = new AtomicInteger();
			runs[i] = count;
			this.callbacks.execute(this.handle, "Close callback", () -> {
				count.incrementAndGet();
				onSubmitter.compareAndSet(false, Thread.currentThread() == submitter);
			});
		}
		await().atMost(WAIT).until(() -> allRanOnce(runs));
		assertThat(onSubmitter).isFalse();
		await().pollDelay(Duration.ofMillis(100)).atMost(WAIT).until(() -> allRanOnce(runs));
	}

	private static boolean allRanOnce(AtomicInteger[] runs) {
		for (AtomicInteger run : runs) {
			if (run.get() != 1) {
				return false;
			}
		}
		return true;
	}

	@Test
	void aCallbackThatBlocksHoldsUpNoneQueuedBehindIt() {
		CountDownLatch blocked = new CountDownLatch(1);
		AtomicInteger after = new AtomicInteger();
		// Queued together: the runner that takes the first holds the others' queue.
		this.callbacks.execute(this.handle, "Close callback", () -> {
			blocked.countDown();
			awaitRelease();
		});
		for (int i = 0; i < 10; i++) {
			this.callbacks.execute(this.handle, "Close callback", after::incrementAndGet);
		}
		await().atMost(WAIT).until(() -> blocked.getCount() == 0 && after.get() == 10);
		assertThat(this.release.getCount()).isEqualTo(1);
	}

	@Test
	void manyBlockedCallbacksLeaveTheNextOneARunner() {
		int blockedCount = 40;
		CountDownLatch blocked = new CountDownLatch(blockedCount);
		for (int i = 0; i < blockedCount; i++) {
			this.callbacks.execute(this.handle, "Close callback", () -> {
				blocked.countDown();
				awaitRelease();
			});
		}
		await().atMost(WAIT).until(() -> blocked.getCount() == 0);
		CountDownLatch ran = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", ran::countDown);
		await().atMost(WAIT).until(() -> ran.getCount() == 0);
	}

	@Test
	void aCallbackThatThrowsKeepsItsRunnerForTheNext(CapturedOutput output) {
		this.callbacks.execute(this.handle, "Close callback", () -> {
			throw new IllegalStateException("callback failure");
		});
		CountDownLatch ran = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", ran::countDown);
		await().atMost(WAIT).until(() -> ran.getCount() == 0);
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(output.getAll()).contains("Close callback of request "
					+ this.handle.getId() + " failed").contains("callback failure"));
	}

	@Test
	void anInterruptDoesNotReachTheNextCallback() throws Exception {
		// One at a time, so that the second runs on the runner the first interrupted.
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicBoolean interruptedAfter = new AtomicBoolean(true);
		CountDownLatch first = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", () -> {
			threads.add(Thread.currentThread());
			Thread.currentThread().interrupt();
			first.countDown();
		});
		assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		CountDownLatch second = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", () -> {
			threads.add(Thread.currentThread());
			interruptedAfter.set(Thread.currentThread().isInterrupted());
			second.countDown();
		});
		assertThat(second.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(threads).hasSize(1);
		assertThat(interruptedAfter).isFalse();
	}

	@Test
	void aCallbackThatOverstaysIsLoggedOnceWithItsRequest(CapturedOutput output) {
		this.callbacks.shutdown();
		this.callbacks = new UserCallbacks(Duration.ofMillis(100), preferVirtual());
		CountDownLatch started = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", () -> {
			started.countDown();
			awaitRelease();
		});
		String expected = "Close callback of request " + this.handle.getId()
				+ " (GET /callbacks) still running after PT0.1S";
		await().atMost(WAIT).untilAsserted(() -> assertThat(output.getAll()).contains(expected));
		await().pollDelay(Duration.ofMillis(500)).atMost(WAIT).until(() -> true);
		assertThat(output.getAll().split(java.util.regex.Pattern.quote(expected), -1)).hasSize(2);
	}

	@Test
	void aShutdownFunctionRunOnItsOwnThreadIsWatchedToo(CapturedOutput output) {
		this.callbacks.shutdown();
		this.callbacks = new UserCallbacks(Duration.ofMillis(100), preferVirtual());
		Thread own = new Thread(() -> this.callbacks.runWatched(this.handle, "Shutdown function", this::awaitRelease),
				"request-thread");
		own.start();
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(output.getAll()).contains("Shutdown function of request "
					+ this.handle.getId() + " (GET /callbacks) still running after PT0.1S on thread request-thread"));
	}

	@Test
	void anInterruptSentToAParkedRunnerDoesNotReachTheNextCallback() throws Exception {
		AtomicReference<Thread> runner = new AtomicReference<>();
		CountDownLatch first = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", () -> {
			runner.set(Thread.currentThread());
			first.countDown();
		});
		assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		await().atMost(WAIT).until(() -> isParked(runner.get()));
		// Code that kept the thread interrupts it long after its callback returned.
		runner.get().interrupt();
		await().atMost(WAIT).until(() -> isParked(runner.get()));
		AtomicBoolean interrupted = new AtomicBoolean(true);
		CountDownLatch second = new CountDownLatch(1);
		this.callbacks.execute(this.handle, "Close callback", () -> {
			interrupted.set(Thread.currentThread().isInterrupted());
			second.countDown();
		});
		assertThat(second.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(interrupted).isFalse();
	}

	@Test
	void theWatchdogSleepsWhileAShutdownFunctionItWarnedOfStillRuns(CapturedOutput output) {
		this.callbacks.shutdown();
		this.callbacks = new UserCallbacks(Duration.ofMillis(100), preferVirtual());
		new Thread(() -> this.callbacks.runWatched(this.handle, "Shutdown function", this::awaitRelease),
				"request-thread")
			.start();
		await().atMost(WAIT).untilAsserted(() -> assertThat(output.getAll()).contains("Shutdown function of request"));
		// Parked, not spinning: sampled, a busy loop is nearly always runnable.
		int runnable = 0;
		for (int i = 0; i < 20; i++) {
			for (Thread thread : Thread.getAllStackTraces().keySet()) {
				if (thread.getName().startsWith("connection-handling-callback-watchdog-")
						&& thread.getState() == Thread.State.RUNNABLE) {
					runnable++;
				}
			}
			await().pollDelay(Duration.ofMillis(10)).atMost(WAIT).until(() -> true);
		}
		assertThat(runnable).isLessThan(10);
	}

	private static boolean isParked(Thread thread) {
		Thread.State state = thread.getState();
		return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
	}

	@Test
	void afterShutdownACallbackRunsOnTheSubmittingThread() {
		this.callbacks.shutdown();
		AtomicBoolean here = new AtomicBoolean();
		Thread submitter = Thread.currentThread();
		this.callbacks.execute(this.handle, "Close callback", () -> here.set(Thread.currentThread() == submitter));
		assertThat(here).isTrue();
	}

	private void awaitRelease() {
		try {
			this.release.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
