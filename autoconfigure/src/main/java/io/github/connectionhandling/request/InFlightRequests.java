package io.github.connectionhandling.request;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.github.connectionhandling.ConnectionStatus;
import org.jspecify.annotations.Nullable;

/**
 * The requests in flight, and counts of those that ended since start.
 */
public final class InFlightRequests {

	private final Map<String, RequestHandle> requests = new ConcurrentHashMap<>();

	private final LongAdder completed = new LongAdder();

	private final LongAdder normal = new LongAdder();

	private final LongAdder aborted = new LongAdder();

	private final LongAdder timedOut = new LongAdder();

	private final LongAdder reaped = new LongAdder();

	void add(RequestHandle handle) {
		this.requests.put(handle.getId(), handle);
	}

	void remove(RequestHandle handle, int bits) {
		this.requests.remove(handle.getId());
		this.completed.increment();
		if (bits == ConnectionStatus.NORMAL) {
			this.normal.increment();
		}
		if ((bits & ConnectionStatus.ABORTED) != 0) {
			this.aborted.increment();
		}
		if ((bits & ConnectionStatus.TIMEOUT) != 0) {
			this.timedOut.increment();
		}
	}

	/**
	 * Count a connection closed by the orphan reaper.
	 */
	public void reaped() {
		this.reaped.increment();
	}

	boolean contains(RequestHandle handle) {
		return this.requests.get(handle.getId()) == handle;
	}

	public @Nullable RequestHandle get(String id) {
		return this.requests.get(id);
	}

	public Collection<RequestHandle> all() {
		return Collections.unmodifiableCollection(this.requests.values());
	}

	public int size() {
		return this.requests.size();
	}

	public boolean isEmpty() {
		return this.requests.isEmpty();
	}

	/**
	 * Return the counts of requests ended since start.
	 * @return the totals
	 */
	public Totals totals() {
		return new Totals(this.completed.sum(), this.normal.sum(), this.aborted.sum(), this.timedOut.sum(),
				this.reaped.sum());
	}

	/**
	 * Counts since start. {@code completed} = {@code normal} + {@code aborted} +
	 * {@code timedOut} − those with both bits.
	 *
	 * @param completed requests ended
	 * @param normal requests ended with no bit set
	 * @param aborted requests whose client went away
	 * @param timedOut requests whose time limit ran out
	 * @param reaped orphaned connections closed
	 */
	public record Totals(long completed, long normal, long aborted, long timedOut, long reaped) {

	}

}
