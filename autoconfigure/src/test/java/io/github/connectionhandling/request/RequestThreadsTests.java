package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RequestThreads}: which requests are on a thread's slot, and when they
 * leave it. Each request starts on a worker thread of its own, as in a container.
 */
class RequestThreadsTests {

	private final CountingParticipant participant = new CountingParticipant();

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(),
			List.of(this.participant), new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final ExecutorService worker = Executors.newSingleThreadExecutor();

	@AfterEach
	void stop() throws InterruptedException {
		this.worker.shutdownNow();
		this.worker.awaitTermination(5, TimeUnit.SECONDS);
		this.lifecycle.destroy();
	}

	@Test
	void requestIsOnItsThreadsSlotUntilItFinishesAndTheNextOneTakesTheSlot() throws Exception {
		RequestHandle first = onWorker(this::start);
		assertThat(first.isOnThreadSlot()).isTrue();
		assertThat(followed()).containsExactly(first);
		// A thread that starts a second request while the first runs: only the first is on
		// the slot; participants queue the other as before.
		RequestHandle second = onWorker(this::start);
		assertThat(second.isOnThreadSlot()).isFalse();
		// Finished on another thread (an async completion): the slot is free all the same.
		this.lifecycle.finish(first);
		assertThat(first.isOnThreadSlot()).isFalse();
		assertThat(followed()).isEmpty();
		RequestHandle third = onWorker(this::start);
		assertThat(third.isOnThreadSlot()).isTrue();
		this.lifecycle.finish(second);
		onWorker(() -> {
			this.lifecycle.finish(third);
			return null;
		});
		assertThat(followed()).isEmpty();
		assertThat(this.participant.leftThread).hasValue(0);
	}

	@Test
	void requestThatLeavesItsThreadIsHandedToTheParticipantsOnce() throws Exception {
		RequestHandle handle = onWorker(() -> {
			RequestHandle started = start();
			this.lifecycle.leaveThread(started);
			this.lifecycle.leaveThread(started);
			return started;
		});
		assertThat(handle.isOnThreadSlot()).isFalse();
		assertThat(this.participant.leftThread).hasValue(1);
		assertThat(followed()).isEmpty();
		// Its thread's slot is free for the thread's next request.
		RequestHandle next = onWorker(this::start);
		assertThat(next.isOnThreadSlot()).isTrue();
		this.lifecycle.finish(handle);
		this.lifecycle.finish(next);
	}

	@Test
	void requestThatFinishedOrWasNeverOnASlotDoesNotLeaveItsThread() throws Exception {
		RequestHandle finished = onWorker(this::start);
		this.lifecycle.finish(finished);
		this.lifecycle.leaveThread(finished);
		RequestHandle running = onWorker(this::start);
		RequestHandle offSlot = onWorker(this::start);
		this.lifecycle.leaveThread(offSlot);
		assertThat(this.participant.leftThread).hasValue(0);
		this.lifecycle.finish(running);
		this.lifecycle.finish(offSlot);
	}

	@Test
	void requestWhoseThreadEndedStaysFollowedUntilItFinishes() throws Exception {
		// Its thread ends while the request is still on the slot (its work goes on
		// elsewhere without leaving the thread properly): a new thread's registration,
		// which forgets dead threads, must not drop it from the scans.
		RequestHandle[] started = new RequestHandle[1];
		Thread thread = new Thread(() -> started[0] = start());
		thread.start();
		thread.join(5000);
		assertThat(thread.isAlive()).isFalse();
		RequestHandle orphan = started[0];
		ExecutorService fresh = Executors.newSingleThreadExecutor();
		try {
			RequestHandle other = fresh.submit(this::start).get(5, TimeUnit.SECONDS);
			assertThat(followed()).containsExactlyInAnyOrder(orphan, other);
			this.lifecycle.finish(orphan);
			this.lifecycle.finish(other);
			assertThat(followed()).isEmpty();
		}
		finally {
			fresh.shutdownNow();
		}
	}

	@Test
	void requestsOfALifecycleWithoutParticipantsTakeNoSlot() throws Exception {
		// connection-handling.enabled=false: nothing scans slots, so nothing is put there.
		RequestLifecycle disabled = new RequestLifecycle(new InFlightRequests(), List.of(),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		try {
			RequestHandle handle = onWorker(() -> disabled.start(info(), null, false));
			assertThat(handle.isOnThreadSlot()).isFalse();
			RequestHandle ours = onWorker(this::start);
			assertThat(ours.isOnThreadSlot()).isTrue();
			disabled.finish(handle);
			this.lifecycle.finish(ours);
		}
		finally {
			disabled.destroy();
		}
	}

	@Test
	void participantsSeeOnlyTheRequestsOfTheLifecyclesTheyFollow() throws Exception {
		CountingParticipant other = new CountingParticipant();
		RequestLifecycle otherLifecycle = new RequestLifecycle(new InFlightRequests(), List.of(other),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		ExecutorService otherWorker = Executors.newSingleThreadExecutor();
		try {
			RequestHandle ours = onWorker(this::start);
			RequestHandle theirs = otherWorker.submit(() -> otherLifecycle.start(info(), null, false))
				.get(5, TimeUnit.SECONDS);
			assertThat(followed()).containsExactly(ours);
			List<RequestHandle> theirsFollowed = new ArrayList<>();
			RequestThreads.collect(other, theirsFollowed);
			assertThat(theirsFollowed).containsExactly(theirs);
			this.lifecycle.finish(ours);
			otherLifecycle.finish(theirs);
		}
		finally {
			otherWorker.shutdownNow();
			otherLifecycle.destroy();
		}
	}

	private RequestHandle start() {
		return this.lifecycle.start(info(), null, false);
	}

	private <T> T onWorker(Callable<T> task) throws Exception {
		return this.worker.submit(task).get(5, TimeUnit.SECONDS);
	}

	private List<RequestHandle> followed() {
		List<RequestHandle> handles = new ArrayList<>();
		RequestThreads.collect(this.participant, handles);
		return handles;
	}

	static RequestInfo info() {
		return new RequestInfo("GET", "/x", null, "127.0.0.1:1", "HTTP/1.1");
	}

	static final class CountingParticipant implements LifecycleParticipant {

		final AtomicInteger leftThread = new AtomicInteger();

		@Override
		public void leftThread(RequestHandle handle) {
			this.leftThread.incrementAndGet();
		}

	}

}
