package io.github.connectionhandling.observation;

import java.time.Duration;
import java.util.List;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The slow-request log on a clock the test moves: a request is logged once it has run
 * past the threshold, once, with its id, URI, elapsed time and its thread's stack, and
 * forgotten when it ends.
 */
@ExtendWith(OutputCaptureExtension.class)
class SlowRequestLogTests {

	private static final Duration THRESHOLD = Duration.ofSeconds(2);

	private final InFlightRequests requests = new InFlightRequests();

	private final RequestLifecycle lifecycle = new RequestLifecycle(this.requests, List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	/** Added to System.nanoTime(): how far the test moved the clock. */
	private final AtomicLong offset = new AtomicLong();

	private final SlowRequestLog log = new SlowRequestLog(this.requests, THRESHOLD,
			() -> System.nanoTime() + this.offset.get(), LogFactory.getLog(SlowRequestLog.class));

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void release() {
		this.release.countDown();
		this.lifecycle.destroy();
	}

	@Test
	void requestPastTheThresholdIsLoggedOnceWithItsStack(CapturedOutput output) throws Exception {
		RequestHandle handle = startOnWorker("slow-worker-1", "/reports/slow");
		assertThat(this.log.scan()).isEmpty();
		assertThat(this.log.get(handle)).isNull();
		// Half the threshold: the real time the test itself takes stays well below the rest.
		move(Duration.ofMillis(1000));
		assertThat(this.log.scan()).isEmpty();
		assertThat(output).doesNotContain("Slow request");
		move(Duration.ofMillis(1000));
		assertThat(this.log.scan()).containsExactly(handle);
		assertThat(output).contains("WARN")
			.contains("Slow request " + handle.getId() + " (GET /reports/slow) still running after PT2")
			.contains("(threshold PT2S)")
			.contains("\"slow-worker-1\"")
			.contains("workForTheSlowRequest")
			.doesNotContain("secret=");
		SlowRequestLog.SlowRequest slow = this.log.get(handle);
		assertThat(slow).isNotNull();
		assertThat(slow.elapsed()).isGreaterThanOrEqualTo(THRESHOLD);
		assertThat(slow.stacks()).containsOnlyKeys("slow-worker-1");
		assertThat(slow.stacks().get("slow-worker-1")).anyMatch((frame) -> frame.contains("workForTheSlowRequest"));
		// Once: later scans do not log it again.
		move(Duration.ofSeconds(10));
		assertThat(this.log.scan()).isEmpty();
		assertThat(output.toString().split("Slow request ", -1)).hasSize(2);
	}

	@Test
	void requestThatEndedIsForgotten() throws Exception {
		RequestHandle handle = startOnWorker("slow-worker-2", "/slow");
		move(THRESHOLD);
		assertThat(this.log.scan()).containsExactly(handle);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(handle::isFinished);
		this.log.scan();
		assertThat(this.log.get(handle)).isNull();
	}

	@Test
	void requestShorterThanTheThresholdIsNeverLogged(CapturedOutput output) throws Exception {
		RequestHandle handle = startOnWorker("slow-worker-3", "/quick");
		move(Duration.ofSeconds(1));
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(handle::isFinished);
		move(Duration.ofSeconds(5));
		assertThat(this.log.scan()).isEmpty();
		assertThat(output).doesNotContain("Slow request");
	}

	@Test
	void requestWithNoThreadWorkingForItSaysSo(CapturedOutput output) {
		// Async work waiting for a result: no thread is bound to the request.
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/deferred", null, null, "HTTP/1.1"), null,
				false);
		move(THRESHOLD);
		assertThat(this.log.scan()).containsExactly(handle);
		assertThat(output).contains("Slow request " + handle.getId() + " (GET /deferred)")
			.contains("no thread is working for it now");
		assertThat(this.log.get(handle).stacks()).isEmpty();
		this.lifecycle.finish(handle);
	}

	@Test
	void thresholdMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SlowRequestLog(this.requests, Duration.ZERO));
		assertThatIllegalArgumentException().isThrownBy(() -> new SlowRequestLog(this.requests, Duration.ofSeconds(-1)));
	}

	private void move(Duration by) {
		this.offset.addAndGet(by.toNanos());
	}

	/** Start a request on a thread of its own that works for it until released. */
	private RequestHandle startOnWorker(String threadName, String uri) throws InterruptedException {
		CountDownLatch bound = new CountDownLatch(1);
		RequestHandle[] handle = new RequestHandle[1];
		Thread worker = new Thread(() -> {
			handle[0] = this.lifecycle.start(new RequestInfo("GET", uri, "secret=s3cr3t", "127.0.0.1:1", "HTTP/1.1"),
					null, false);
			try (CurrentRequest.Binding binding = CurrentRequest.bind(handle[0])) {
				bound.countDown();
				workForTheSlowRequest();
			}
			finally {
				this.lifecycle.finish(handle[0]);
			}
		}, threadName);
		worker.setDaemon(true);
		worker.start();
		assertThat(bound.await(10, TimeUnit.SECONDS)).isTrue();
		// Its stack is what the log shows: wait until the worker is inside the work.
		await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> worker.getState() == Thread.State.TIMED_WAITING
				&& Arrays.stream(worker.getStackTrace())
					.anyMatch((frame) -> frame.getMethodName().equals("workForTheSlowRequest")));
		return handle[0];
	}

	private void workForTheSlowRequest() {
		try {
			this.release.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
