package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ParticipantSlot}: every move between empty, deferred and a value, and
 * that a slot belongs to one participant only.
 */
class ParticipantSlotTests {

	// The last index: the starter's own slots take the first ones.
	private final ParticipantSlot<String> slot = new ParticipantSlot<>("test", ParticipantSlot.CAPACITY - 1);

	private final ParticipantSlot<String> other = new ParticipantSlot<>("other", ParticipantSlot.CAPACITY - 2);

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final RequestHandle handle = this.lifecycle.start(
			new RequestInfo("GET", "/", null, "127.0.0.1", "HTTP/1.1"), null, false);

	@AfterEach
	void finish() {
		this.lifecycle.finish(this.handle);
		this.lifecycle.destroy();
	}

	@Test
	void aNewSlotIsEmpty() {
		assertThat(this.slot.get(this.handle)).isNull();
		assertThat(this.slot.isDeferred(this.handle)).isFalse();
	}

	@Test
	void aDeferredSlotIsTakenOverOnceAndOnlyWhileDeferred() {
		this.slot.defer(this.handle);
		assertThat(this.slot.isDeferred(this.handle)).isTrue();
		assertThat(this.slot.get(this.handle)).isNull();
		assertThat(this.slot.takeOver(this.handle, "first")).isTrue();
		assertThat(this.slot.takeOver(this.handle, "second")).isFalse();
		assertThat(this.slot.get(this.handle)).isEqualTo("first");
		assertThat(this.slot.isDeferred(this.handle)).isFalse();
		assertThat(this.slot.clearDeferred(this.handle)).isFalse();
		assertThat(this.slot.get(this.handle)).isEqualTo("first");
	}

	@Test
	void anEmptySlotCannotBeTakenOver() {
		assertThat(this.slot.takeOver(this.handle, "value")).isFalse();
		assertThat(this.slot.get(this.handle)).isNull();
		assertThat(this.slot.clearDeferred(this.handle)).isFalse();
	}

	@Test
	void aClearedDeferralCannotBeTakenOver() {
		this.slot.defer(this.handle);
		assertThat(this.slot.clearDeferred(this.handle)).isTrue();
		assertThat(this.slot.isDeferred(this.handle)).isFalse();
		assertThat(this.slot.takeOver(this.handle, "late")).isFalse();
		assertThat(this.slot.get(this.handle)).isNull();
	}

	@Test
	void clearEmptiesOnlyTheExpectedValue() {
		String value = new String("value");
		this.slot.set(this.handle, value);
		assertThat(this.slot.clear(this.handle, new String("value"))).as("compares identity").isFalse();
		assertThat(this.slot.clear(this.handle, value)).isTrue();
		assertThat(this.slot.get(this.handle)).isNull();
	}

	@Test
	void setReplacesADeferralOrAValue() {
		this.slot.defer(this.handle);
		this.slot.set(this.handle, "value");
		assertThat(this.slot.isDeferred(this.handle)).isFalse();
		assertThat(this.slot.get(this.handle)).isEqualTo("value");
		this.slot.set(this.handle, null);
		assertThat(this.slot.get(this.handle)).isNull();
	}

	@Test
	void slotsOfDifferentParticipantsAreIndependent() {
		this.slot.defer(this.handle);
		this.other.set(this.handle, "other's");
		assertThat(this.slot.isDeferred(this.handle)).isTrue();
		assertThat(this.other.isDeferred(this.handle)).isFalse();
		assertThat(this.other.get(this.handle)).isEqualTo("other's");
	}

}
