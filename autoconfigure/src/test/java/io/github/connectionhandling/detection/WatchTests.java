package io.github.connectionhandling.detection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

import io.github.connectionhandling.detection.Watch.Event;
import io.github.connectionhandling.detection.Watch.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Watch}: its transition table, pair by pair, and moves along it.
 */
class WatchTests {

	/** The expected table: every allowed move, written out; every other pair is refused. */
	private static final Map<State, Map<Event, State>> ALLOWED = new EnumMap<>(State.class);

	static {
		allow(State.NEW, Event.POLL, State.POLLING);
		allow(State.NEW, Event.QUEUE, State.PENDING);
		allow(State.POLLING, Event.QUEUE, State.PENDING);
		allow(State.POLLING, Event.DROP, State.DONE);
		allow(State.PENDING, Event.TAKE, State.ARMING);
		allow(State.ARMING, Event.REGISTERED, State.ARMED);
		allow(State.ARMING, Event.DROP, State.DONE);
		allow(State.ARMED, Event.READABLE, State.CHECKING);
		allow(State.CHECKING, Event.POLL, State.POLLING);
		allow(State.CHECKING, Event.DROP, State.DONE);
		for (State state : State.values()) {
			if (state != State.DONE) {
				allow(state, Event.END, State.DONE);
			}
		}
	}

	private static void allow(State from, Event event, State to) {
		ALLOWED.computeIfAbsent(from, (key) -> new EnumMap<>(Event.class)).put(event, to);
	}

	private static State expected(State from, Event event) {
		return ALLOWED.getOrDefault(from, Map.of()).get(event);
	}

	@AfterEach
	void finish() {
		DetectionFixtures.finishAll();
	}

	@Test
	void tableAllowsExactlyTheExpectedMoves() {
		for (State from : State.values()) {
			for (Event event : Event.values()) {
				assertThat(Watch.next(from, event)).as("%s on %s", from, event).isEqualTo(expected(from, event));
			}
		}
	}

	@Test
	void everyStateIsReachableFromNewAndDoneIsFinalAndReachableFromAll() {
		for (State state : State.values()) {
			assertThat(pathTo(State.NEW, state)).as("a path from NEW to " + state).isNotNull();
			assertThat(pathTo(state, State.DONE)).as("a path from " + state + " to DONE").isNotNull();
		}
		for (Event event : Event.values()) {
			assertThat(Watch.next(State.DONE, event)).isNull();
		}
	}

	@Test
	void moveAppliesEachPairToAWatchInThatState() {
		for (State from : State.values()) {
			for (Event event : Event.values()) {
				Watch watch = watchIn(from);
				State to = expected(from, event);
				if (to != null) {
					assertThat(watch.move(event)).as("%s on %s", from, event).isSameAs(from);
					assertThat(watch.state()).isSameAs(to);
				}
				else {
					assertThat(watch.move(event)).as("%s on %s", from, event).isNull();
					assertThat(watch.state()).as("unchanged").isSameAs(from);
				}
			}
		}
	}

	@Test
	void theRequestsEndAndTheDetectorsDropRaceForOneMove() {
		// The detector owns ARMING and CHECKING, but the request may end meanwhile: exactly
		// one of the two moves takes the watch to DONE.
		for (State owned : List.of(State.ARMING, State.CHECKING)) {
			Watch ended = watchIn(owned);
			assertThat(ended.move(Event.END)).isSameAs(owned);
			assertThat(ended.move(Event.DROP)).isNull();
			Watch dropped = watchIn(owned);
			assertThat(dropped.move(Event.DROP)).isSameAs(owned);
			assertThat(dropped.move(Event.END)).isNull();
		}
	}

	@Test
	void releaseLetsGoOfTheRequestAndItsConnection() {
		Watch watch = new Watch(DetectionFixtures.handle(), DetectionFixtures.connection());
		watch.release();
		assertThat(watch.handle).isNull();
		assertThat(watch.connection).isNull();
	}

	private static Watch watchIn(State state) {
		Watch watch = new Watch(DetectionFixtures.handle(), DetectionFixtures.connection());
		List<Event> path = pathTo(State.NEW, state);
		assertThat(path).isNotNull();
		for (Event event : path) {
			assertThat(watch.move(event)).isNotNull();
		}
		assertThat(watch.state()).isSameAs(state);
		return watch;
	}

	/** The shortest sequence of events from one state to another, by the table; null if none. */
	private static List<Event> pathTo(State from, State to) {
		Map<State, List<Event>> paths = new EnumMap<>(State.class);
		paths.put(from, List.of());
		Queue<State> next = new ArrayDeque<>(List.of(from));
		while (!next.isEmpty()) {
			State state = next.poll();
			for (Event event : Event.values()) {
				State reached = Watch.next(state, event);
				if (reached != null && !paths.containsKey(reached)) {
					List<Event> path = new ArrayList<>(paths.get(state));
					path.add(event);
					paths.put(reached, path);
					next.add(reached);
				}
			}
		}
		return paths.get(to);
	}

}
