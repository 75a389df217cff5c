package io.github.connectionhandling.detection;

import java.time.Duration;

/**
 * When the {@link DisconnectDetector} registers due requests with its selector: in
 * passes at most one arm tick apart, so that a load of short requests never wakes it once
 * per request. Every time is passed in by the caller (the detector's clock), so that the
 * schedule is a pure function of the times it was given.
 * <p>
 * Three rules:
 * <ul>
 * <li><b>Back-off.</b> Each pass that finds every due request already finished doubles the
 * arm delay and the tick, up to {@value #MAX_BACK_OFF} times (sixteen-fold); a pass that
 * arms a request, or a quiet spell, returns to one. Waking to arm nothing costs the
 * requests' CPU.</li>
 * <li><b>Thread slots.</b> Most requests are left on their thread's slot and found by a
 * scan when due; the schedule keeps when the earliest one found is due.</li>
 * <li><b>Linger.</b> For three of the longest ticks after a request was last seen on a
 * slot, the slots are scanned every tick even with nothing known to be due: under load,
 * waiting to be woken by the next request would cost it a wake-up call.</li>
 * </ul>
 * Only the detector thread changes it; request threads may read {@link #armDelay()}.
 */
final class ArmingSchedule {

	static final int MAX_BACK_OFF = 4;

	/** No request found on a thread slot is waiting to be due. */
	static final long NONE = Long.MIN_VALUE;

	private final long armDelayNanos;

	private final long armTickNanos;

	private final long lingerNanos;

	private volatile int backOff;

	private long lastPassNanos;

	private long lastScanNanos;

	private long lastSeenOnThreadsNanos;

	private long threadsDueNanos = NONE;

	/**
	 * Create a schedule.
	 * @param armDelay how long a request runs before its channel is watched
	 * @param now the clock's current time, in nanoseconds
	 */
	ArmingSchedule(Duration armDelay, long now) {
		// Capped (at about a year) so that backing off never overflows.
		this.armDelayNanos = Math.min(armDelay.toNanos(), Long.MAX_VALUE >> 8);
		// Select timeouts are whole milliseconds.
		this.armTickNanos = Math.max(1_000_000, this.armDelayNanos);
		this.lingerNanos = 3 * (this.armTickNanos << MAX_BACK_OFF);
		this.lastPassNanos = now - this.armTickNanos;
		this.lastScanNanos = this.lastPassNanos;
		this.lastSeenOnThreadsNanos = this.lastPassNanos - this.lingerNanos;
	}

	/** How long a request runs before it is watched, as backed off now. */
	long armDelay() {
		return this.armDelayNanos << this.backOff;
	}

	/** The least time between two arming passes, as backed off now. */
	long armTick() {
		return this.armTickNanos << this.backOff;
	}

	long baseArmDelay() {
		return this.armDelayNanos;
	}

	/** Whether a request queued at {@code pendingSince} is due. */
	boolean isDue(long pendingSince, long now) {
		return now - pendingSince >= armDelay();
	}

	/** Whether an arming pass may run now; else it waits for the next batch. */
	boolean passDue(long now) {
		return now - this.lastPassNanos >= armTick();
	}

	/** Whether a request found on a thread slot is due now. */
	boolean threadsDue(long now) {
		return passDue(now) && this.threadsDueNanos != NONE && now - this.threadsDueNanos >= 0;
	}

	/** Whether the last scan found a request on a thread slot that is not due yet. */
	boolean threadsWaiting() {
		return this.threadsDueNanos != NONE;
	}

	boolean lingering(long now) {
		return now - this.lastSeenOnThreadsNanos < this.lingerNanos;
	}

	/** Whether, lingering, the slots are to be scanned again now. */
	boolean scanDue(long now) {
		return lingering(now) && now - this.lastScanNanos >= armTick();
	}

	/**
	 * Whether the detector would not look at the thread slots on its own: nothing is
	 * waiting there and it does not linger. A request that starts on a slot must wake it.
	 */
	boolean threadsUnwatched(long now) {
		return this.threadsDueNanos == NONE && !lingering(now);
	}

	/**
	 * A scan of the thread slots ended.
	 * @param now when it ran
	 * @param seen whether it found a request on a slot
	 * @param due when the earliest request it left on its slot is due, or {@link #NONE}
	 */
	void scanned(long now, boolean seen, long due) {
		this.lastScanNanos = now;
		if (seen) {
			this.lastSeenOnThreadsNanos = now;
		}
		this.threadsDueNanos = due;
	}

	/** A request started on a slot woke the detector: linger from now. */
	void woken(long now) {
		this.lastSeenOnThreadsNanos = now;
	}

	/**
	 * An arming pass ran.
	 * @param now when it ran
	 * @param stillRunning whether any due request it found was still running
	 */
	void passed(long now, boolean stillRunning) {
		this.lastPassNanos = now;
		this.backOff = stillRunning ? 0 : Math.min(this.backOff + 1, MAX_BACK_OFF);
	}

	/** A lingering scan found nothing at all on the slots: scan less often too. */
	void idleScan() {
		this.backOff = Math.min(this.backOff + 1, MAX_BACK_OFF);
	}

	/** Nothing queued and nothing on the slots: the next request is watched one arm delay in. */
	void quiet() {
		this.backOff = 0;
	}

	/**
	 * How long until the next arming pass or scan is due.
	 * @param now the current time
	 * @param queued whether a request is queued for arming
	 * @param headPendingSince when the first queued request was queued
	 * @return at least 1, or {@link Long#MAX_VALUE} if nothing is due ever
	 */
	long nanosUntilDue(long now, boolean queued, long headPendingSince) {
		long wait = Long.MAX_VALUE;
		long nextPass = this.lastPassNanos + armTick();
		if (queued) {
			wait = Math.max(1, Math.max(headPendingSince + armDelay(), nextPass) - now);
		}
		if (this.threadsDueNanos != NONE) {
			wait = Math.min(wait, Math.max(1, Math.max(this.threadsDueNanos, nextPass) - now));
		}
		if (lingering(now)) {
			wait = Math.min(wait, Math.max(1, this.lastScanNanos + armTick() - now));
		}
		return wait;
	}

}
