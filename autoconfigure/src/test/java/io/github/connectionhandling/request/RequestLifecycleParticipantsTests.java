package io.github.connectionhandling.request;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Each participant hears of the steps it acts on, in order, whatever else the others
 * override, and a proxy (which overrides everything) is called for every step.
 */
class RequestLifecycleParticipantsTests {

	private final List<String> heard = new CopyOnWriteArrayList<>();

	private final RequestInfo info = new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1");

	@Test
	void everyStepReachesTheParticipantsThatActOnIt() throws Exception {
		// A thread of its own: its slot is free whatever other tests left on theirs, and
		// leaveThread() is only reported for a request that was on one.
		CompletableFuture<Void> steps = CompletableFuture.runAsync(this::everyStep, (task) -> new Thread(task).start());
		steps.get(30, TimeUnit.SECONDS);
	}

	private void everyStep() {
		LifecycleParticipant starts = new LifecycleParticipant() {
			@Override
			public void started(RequestHandle handle, boolean bodyPending) {
				RequestLifecycleParticipantsTests.this.heard.add("started:" + bodyPending);
			}
		};
		LifecycleParticipant reads = new LifecycleParticipant() {
			@Override
			public void bodyConsumed(RequestHandle handle) {
				RequestLifecycleParticipantsTests.this.heard.add("bodyConsumed");
			}

			@Override
			public void timeLimitChanged(RequestHandle handle) {
				RequestLifecycleParticipantsTests.this.heard.add("timeLimitChanged:" + handle.getTimeLimit());
			}
		};
		LifecycleParticipant ends = new Ends();
		LifecycleParticipant proxy = (LifecycleParticipant) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { LifecycleParticipant.class }, (target, method, args) -> {
					this.heard.add("proxy:" + method.getName());
					return null;
				});
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(starts, reads, ends, proxy),
				new RequestLifecycle.Settings(Duration.ofSeconds(30), true, false));
		try {
			RequestHandle handle = lifecycle.start(this.info, null, true);
			assertThat(handle.isOnThreadSlot()).isTrue();
			assertThat(handle.getTimeLimit()).isEqualTo(Duration.ofSeconds(30));
			assertThat(handle.isUserAbortIgnored()).isTrue();
			assertThat(this.heard).containsExactly("started:true", "proxy:started");
			this.heard.clear();
			lifecycle.bodyConsumed(handle);
			handle.setTimeLimit(Duration.ofSeconds(5));
			lifecycle.leaveThread(handle);
			lifecycle.finish(handle);
			assertThat(this.heard).containsExactly("bodyConsumed", "proxy:bodyConsumed", "timeLimitChanged:PT5S",
					"proxy:timeLimitChanged", "proxy:leftThread", "finished", "proxy:finished");
			// Finished: no longer in flight, so a late change is nobody's business.
			this.heard.clear();
			handle.setTimeLimit(Duration.ofSeconds(1));
			assertThat(this.heard).isEmpty();
			assertThat(handle.bits()).isEqualTo(ConnectionStatus.NORMAL);
		}
		finally {
			lifecycle.destroy();
		}
	}

	@Test
	void negativeDefaultLimitIsRefusedUpFront() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RequestLifecycle.Settings(Duration.ofSeconds(-1), false, false))
			.withMessageContaining("out of range");
	}

	private final class Ends implements LifecycleParticipant {

		@Override
		public void finished(RequestHandle handle) {
			RequestLifecycleParticipantsTests.this.heard.add("finished");
		}

	}

}
