package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request on a virtual thread takes no slot: there is one virtual thread per request,
 * and a slot each would make the scans O(requests). Run on Java 21+ (see the
 * {@code virtual-threads} profile).
 */
@EnabledForJreRange(min = JRE.JAVA_21)
class RequestThreadsVirtualThreadTests {

	@Test
	void requestOnAVirtualThreadIsNotOnASlot() throws Exception {
		RequestThreadsTests.CountingParticipant participant = new RequestThreadsTests.CountingParticipant();
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(participant),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		try {
			RequestHandle handle = virtual.submit(() -> lifecycle.start(RequestThreadsTests.info(), null, false))
				.get(5, TimeUnit.SECONDS);
			assertThat(handle.isOnThreadSlot()).isFalse();
			List<RequestHandle> followed = new ArrayList<>();
			RequestThreads.collect(participant, followed);
			assertThat(followed).isEmpty();
			lifecycle.finish(handle);
		}
		finally {
			virtual.shutdownNow();
			lifecycle.destroy();
		}
	}

}
