package io.github.connectionhandling.detection;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ArmingSchedule}: every time is given, none is waited for.
 */
class ArmingScheduleTests {

	private static final long MS = 1_000_000;

	private static final long DELAY = 5 * MS;

	/** An arbitrary start, far from zero, as {@code System.nanoTime()} may be. */
	private static final long T0 = 7_000_000_000_000L;

	private final ArmingSchedule schedule = new ArmingSchedule(Duration.ofNanos(DELAY), T0);

	@Test
	void aRequestIsDueOneArmDelayAfterItWasQueuedAndAPassMayRunAtOnce() {
		assertThat(this.schedule.armDelay()).isEqualTo(DELAY);
		assertThat(this.schedule.armTick()).isEqualTo(DELAY);
		assertThat(this.schedule.passDue(T0)).isTrue();
		assertThat(this.schedule.isDue(T0, T0 + DELAY - 1)).isFalse();
		assertThat(this.schedule.isDue(T0, T0 + DELAY)).isTrue();
	}

	@Test
	void passesComeAtMostOneTickApart() {
		this.schedule.passed(T0, true);
		assertThat(this.schedule.passDue(T0 + DELAY - 1)).isFalse();
		assertThat(this.schedule.passDue(T0 + DELAY)).isTrue();
	}

	@Test
	void theTickIsAtLeastOneMillisecondAsSelectWaitsWholeMilliseconds() {
		ArmingSchedule immediate = new ArmingSchedule(Duration.ZERO, T0);
		assertThat(immediate.armDelay()).isZero();
		assertThat(immediate.armTick()).isEqualTo(MS);
	}

	@Test
	void passesThatFindEveryDueRequestFinishedBackOffUpToSixteenFold() {
		long now = T0;
		for (int pass = 1; pass <= ArmingSchedule.MAX_BACK_OFF + 2; pass++) {
			now += this.schedule.armTick();
			this.schedule.passed(now, false);
			long factor = 1L << Math.min(pass, ArmingSchedule.MAX_BACK_OFF);
			assertThat(this.schedule.armDelay()).as("after %d idle passes", pass).isEqualTo(factor * DELAY);
			assertThat(this.schedule.armTick()).isEqualTo(factor * DELAY);
		}
		assertThat(this.schedule.armDelay()).isEqualTo(16 * DELAY);
	}

	@Test
	void aPassThatFindsARequestStillRunningReturnsToOneArmDelay() {
		backOffFully();
		this.schedule.passed(T0 + 100 * DELAY, true);
		assertThat(this.schedule.armDelay()).isEqualTo(DELAY);
		assertThat(this.schedule.armTick()).isEqualTo(DELAY);
	}

	@Test
	void requestsStretchedPastTheShortDelayButNotTheLongOneKeepItBackedOff() {
		// Backed off, a request that runs three arm delays has ended before it is due
		// (sixteen): the pass then finds nothing running and stays backed off.
		backOffFully();
		long queued = T0 + 1000 * DELAY;
		assertThat(this.schedule.isDue(queued, queued + 3 * DELAY)).isFalse();
		this.schedule.passed(queued + 16 * DELAY, false);
		assertThat(this.schedule.armDelay()).isEqualTo(16 * DELAY);
	}

	@Test
	void anIdleLingeringScanBacksOffAndQuietReturnsToOne() {
		this.schedule.idleScan();
		assertThat(this.schedule.armDelay()).isEqualTo(2 * DELAY);
		this.schedule.quiet();
		assertThat(this.schedule.armDelay()).isEqualTo(DELAY);
	}

	@Test
	void theSlotsAreUnwatchedUntilARequestIsSeenOnOneThenScannedEveryTickWhileLingering() {
		assertThat(this.schedule.lingering(T0)).isFalse();
		assertThat(this.schedule.threadsUnwatched(T0)).isTrue();
		this.schedule.scanned(T0, true, ArmingSchedule.NONE);
		assertThat(this.schedule.threadsUnwatched(T0)).isFalse();
		assertThat(this.schedule.scanDue(T0 + DELAY - 1)).isFalse();
		assertThat(this.schedule.scanDue(T0 + DELAY)).isTrue();
		// Three of the longest ticks (sixteen arm delays each).
		long linger = 3 * 16 * DELAY;
		assertThat(this.schedule.lingering(T0 + linger - 1)).isTrue();
		assertThat(this.schedule.lingering(T0 + linger)).isFalse();
		assertThat(this.schedule.threadsUnwatched(T0 + linger)).isTrue();
		assertThat(this.schedule.scanDue(T0 + linger)).isFalse();
	}

	@Test
	void aScanThatSeesNothingDoesNotExtendTheLinger() {
		this.schedule.scanned(T0, true, ArmingSchedule.NONE);
		this.schedule.scanned(T0 + 100 * DELAY, false, ArmingSchedule.NONE);
		assertThat(this.schedule.lingering(T0 + 3 * 16 * DELAY)).isFalse();
	}

	@Test
	void aWakeUpByARequestStartingOnASlotStartsTheLinger() {
		long woken = T0 + 10 * DELAY;
		this.schedule.woken(woken);
		assertThat(this.schedule.lingering(woken)).isTrue();
		assertThat(this.schedule.threadsUnwatched(woken)).isFalse();
	}

	@Test
	void aRequestLeftOnItsSlotIsDueWhenTheScanSaidAndNotBeforeTheNextPass() {
		long due = T0 + 2 * DELAY + 2 * MS;
		this.schedule.passed(T0 + 2 * DELAY, true);
		this.schedule.scanned(T0 + 2 * DELAY, true, due);
		assertThat(this.schedule.threadsWaiting()).isTrue();
		assertThat(this.schedule.threadsUnwatched(T0 + 2 * DELAY)).isFalse();
		assertThat(this.schedule.threadsDue(due - 1)).isFalse();
		assertThat(this.schedule.threadsDue(due)).as("one tick after the last pass only").isFalse();
		assertThat(this.schedule.threadsDue(T0 + 3 * DELAY)).isTrue();
		this.schedule.scanned(T0 + 3 * DELAY, true, ArmingSchedule.NONE);
		assertThat(this.schedule.threadsWaiting()).isFalse();
		assertThat(this.schedule.threadsDue(T0 + 5 * DELAY)).isFalse();
	}

	@Test
	void afterAQuietSpellARequestIsArmedOneArmDelayInNotAfterTheBackedOffInterval() {
		long now = backOffFully();
		// Quiet until it stops lingering: the detector then finds the slots unwatched and,
		// with nothing queued, returns to one arm delay.
		long quietFrom = now + 3 * 16 * DELAY;
		assertThat(this.schedule.threadsUnwatched(quietFrom)).isTrue();
		this.schedule.quiet();
		// A request started then is found by the scan its start asks for, and is due one
		// arm delay after its start.
		long start = quietFrom + MS;
		this.schedule.woken(start);
		this.schedule.scanned(start, true, start + this.schedule.armDelay());
		assertThat(this.schedule.threadsDue(start + DELAY)).isTrue();
		assertThat(this.schedule.nanosUntilDue(start, false, 0)).isEqualTo(DELAY);
	}

	@Test
	void theWaitIsUntilTheEarliestDueThingOrForever() {
		this.schedule.passed(T0, true);
		assertThat(this.schedule.nanosUntilDue(T0, false, 0)).isEqualTo(Long.MAX_VALUE);
		// Queued: due one arm delay after it was queued, and not before the next pass.
		assertThat(this.schedule.nanosUntilDue(T0, true, T0 + MS)).isEqualTo(DELAY + MS);
		assertThat(this.schedule.nanosUntilDue(T0, true, T0 - 10 * DELAY)).isEqualTo(DELAY);
		// Overdue: at once, but never a wait of zero (that would block).
		assertThat(this.schedule.nanosUntilDue(T0 + 20 * DELAY, true, T0)).isEqualTo(1);
		// On a slot: when the scan said, and not before the next pass.
		this.schedule.scanned(T0, true, T0 + 3 * DELAY);
		assertThat(this.schedule.nanosUntilDue(T0, false, 0)).isEqualTo(DELAY); // the lingering scan comes first
		assertThat(this.schedule.nanosUntilDue(T0 + DELAY, false, 0)).isEqualTo(1);
	}

	@Test
	void aHugeArmDelayNeverOverflowsWhenBackedOff() {
		ArmingSchedule never = new ArmingSchedule(Duration.ofDays(100_000), T0);
		for (int pass = 0; pass < ArmingSchedule.MAX_BACK_OFF; pass++) {
			never.passed(T0, false);
		}
		assertThat(never.armDelay()).isPositive();
		assertThat(never.armTick()).isPositive();
	}

	/** Back off to the longest delay; returns when the last pass ran. */
	private long backOffFully() {
		long now = T0;
		for (int pass = 0; pass < ArmingSchedule.MAX_BACK_OFF; pass++) {
			now += this.schedule.armTick();
			this.schedule.passed(now, false);
		}
		assertThat(this.schedule.armDelay()).isEqualTo(16 * DELAY);
		return now;
	}

}
