package io.github.connectionhandling.detection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.connectionhandling.detection.DetectionFixtures.FakeConnection;
import io.github.connectionhandling.detection.Watch.Event;
import io.github.connectionhandling.detection.Watch.State;
import io.github.connectionhandling.request.RequestHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TcpStatePoller} with a table of states the test writes: every time is
 * given, none is waited for.
 */
class TcpStatePollerTests {

	private static final long INTERVAL = 100_000_000;

	private static final long T0 = 5_000_000_000L;

	private final Map<TcpStateTable.Key, Integer> table = new HashMap<>();

	private final List<Set<TcpStateTable.Key>> reads = new ArrayList<>();

	private boolean failing;

	private final TcpStatePoller poller = new TcpStatePoller(this::read, true, INTERVAL);

	private final List<RequestHandle> gone = new ArrayList<>();

	private Map<TcpStateTable.Key, Integer> read(Collection<TcpStateTable.Key> keys) throws IOException {
		this.reads.add(Set.copyOf(keys));
		if (this.failing) {
			throw new IOException("unreadable");
		}
		Map<TcpStateTable.Key, Integer> states = new HashMap<>();
		for (TcpStateTable.Key key : keys) {
			Integer state = this.table.get(key);
			if (state != null) {
				states.put(key, state);
			}
		}
		return states;
	}

	@AfterEach
	void finish() {
		DetectionFixtures.finishAll();
	}

	@Test
	void nothingToPollMeansNoWakeUpAndNoRead() {
		assertThat(this.poller.nanosUntilPoll(T0)).isEqualTo(Long.MAX_VALUE);
		this.poller.poll(T0, this.gone);
		assertThat(this.reads).isEmpty();
	}

	@Test
	void aWatchIsFirstPolledOneIntervalAfterItWasTakenUp() {
		Polled polled = polled(TcpStateTable.CLOSE_WAIT);
		assertThat(this.poller.hasAdded()).isTrue();
		assertThat(this.poller.nanosUntilPoll(T0)).as("taken up at once").isEqualTo(1);
		this.poller.poll(T0, this.gone);
		assertThat(this.poller.hasAdded()).isFalse();
		assertThat(this.poller.nanosUntilPoll(T0)).isEqualTo(INTERVAL);
		this.poller.poll(T0 + INTERVAL - 1, this.gone);
		assertThat(this.reads).isEmpty();
		this.poller.poll(T0 + INTERVAL, this.gone);
		assertThat(this.reads).containsExactly(Set.of(polled.connection.key()));
		assertThat(this.gone).containsExactly(polled.handle);
		assertThat(polled.watch.state()).isSameAs(State.DONE);
		assertThat(this.poller.size()).isZero();
	}

	@Test
	void closeWaitAndAMissingEntryAreGoneAnEstablishedConnectionIsNot() {
		Polled closeWait = polled(TcpStateTable.CLOSE_WAIT);
		Polled reset = polled(null);
		Polled established = polled(TcpStateTable.ESTABLISHED);
		pollTwice();
		assertThat(this.gone).containsExactlyInAnyOrder(closeWait.handle, reset.handle);
		assertThat(established.watch.state()).isSameAs(State.POLLING);
		assertThat(this.poller.size()).isOne();
		// The next poll, one interval on, asks for the remaining one only.
		this.table.put(established.connection.key(), TcpStateTable.CLOSE_WAIT);
		this.poller.poll(T0 + 2 * INTERVAL, this.gone);
		assertThat(this.reads.get(1)).containsExactly(established.connection.key());
		assertThat(this.gone).contains(established.handle);
	}

	@Test
	void oneReadServesEveryWatchOfAnInterval() {
		Polled first = polled(TcpStateTable.ESTABLISHED);
		Polled second = polled(TcpStateTable.ESTABLISHED);
		pollTwice();
		assertThat(this.reads).containsExactly(Set.of(first.connection.key(), second.connection.key()));
	}

	@Test
	void watchesThatLeftPollingAreDroppedWithoutARead() {
		Polled ended = polled(TcpStateTable.CLOSE_WAIT);
		Polled queued = polled(TcpStateTable.CLOSE_WAIT);
		this.poller.poll(T0, this.gone);
		assertThat(ended.watch.move(Event.END)).isSameAs(State.POLLING);
		ended.watch.release();
		assertThat(queued.watch.move(Event.QUEUE)).isSameAs(State.POLLING);
		this.poller.poll(T0 + INTERVAL, this.gone);
		assertThat(this.reads).isEmpty();
		assertThat(this.gone).isEmpty();
		assertThat(this.poller.size()).isZero();
	}

	@Test
	void aRequestWhoseClientHadTheWholeResponseIsNotReadNorSignalledButStaysFollowed() {
		Polled responded = polled(TcpStateTable.CLOSE_WAIT);
		responded.handle.markResponded();
		pollTwice();
		assertThat(this.reads).isEmpty();
		assertThat(this.gone).isEmpty();
		assertThat(this.poller.size()).isOne();
	}

	@Test
	void aConnectionTheServerClosedItselfIsNoAbort() {
		Polled closed = polled(TcpStateTable.CLOSE_WAIT);
		closed.connection.close();
		pollTwice();
		assertThat(this.gone).isEmpty();
		assertThat(closed.watch.state()).isSameAs(State.POLLING);
	}

	@Test
	void anUnreadableTableSignalsNothingAndIsTriedAgainNextInterval() {
		Polled polled = polled(TcpStateTable.CLOSE_WAIT);
		this.failing = true;
		pollTwice();
		assertThat(this.gone).isEmpty();
		this.failing = false;
		this.poller.poll(T0 + 2 * INTERVAL, this.gone);
		assertThat(this.gone).containsExactly(polled.handle);
	}

	@Test
	void withoutTcpStatesNothingIsFollowed() {
		TcpStatePoller unavailable = new TcpStatePoller(this::read, false, INTERVAL);
		Watch watch = new Watch(DetectionFixtures.handle(), DetectionFixtures.connection());
		watch.move(Event.POLL);
		assertThat(unavailable.add(watch)).isFalse();
		assertThat(unavailable.nanosUntilPoll(T0)).isEqualTo(Long.MAX_VALUE);
	}

	/** Take the watches up at T0, poll at T0 + one interval. */
	private void pollTwice() {
		this.poller.poll(T0, this.gone);
		this.poller.poll(T0 + INTERVAL, this.gone);
	}

	private Polled polled(Integer state) {
		FakeConnection connection = DetectionFixtures.connection();
		RequestHandle handle = DetectionFixtures.handle(connection);
		Watch watch = new Watch(handle, connection);
		assertThat(watch.move(Event.POLL)).isSameAs(State.NEW);
		if (state != null) {
			this.table.put(connection.key(), state);
		}
		assertThat(this.poller.add(watch)).isTrue();
		return new Polled(handle, connection, watch);
	}

	private record Polled(RequestHandle handle, FakeConnection connection, Watch watch) {
	}

}
