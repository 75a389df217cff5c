package io.github.connectionhandling.request;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A participant's typed place on every request, for state that only it reads and writes
 * (the detector's watch, the time limiter's timer). A slot is empty, <em>deferred</em> or
 * holds a value:
 * <pre>
 * empty ──defer──▶ deferred ──takeOver──▶ value
 *   ▲  ◀──clearDeferred──┘                  │
 *   └──────────────clear / set(null)────────┘   (set: any state to a value)
 * </pre>
 * Deferred means "this request is on its first thread's slot ({@link RequestThreads}), so
 * a scan of those finds it": most requests end there before the participant needs any
 * state. Whoever first moves a deferred slot on ({@link #takeOver}, when the request
 * leaves its thread or a scan finds it due) owns it; the other one loses the
 * compare-and-set and backs off.
 *
 * @param <T> the type of the participant's per-request state
 */
public final class ParticipantSlot<T> {

	/** Slots a handle has room for; the starter uses two. */
	static final int CAPACITY = 4;

	private static final AtomicInteger created = new AtomicInteger();

	private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

	private static final Object DEFERRED = new Object() {

		@Override
		public String toString() {
			return "deferred";
		}

	};

	private final String name;

	private final int index;

	ParticipantSlot(String name, int index) {
		this.name = name;
		this.index = index;
	}

	/**
	 * Create a slot; participants hold theirs in a constant.
	 * @param <T> the type of the state
	 * @param name a name for diagnostics
	 * @return the slot
	 * @throws IllegalStateException if more slots exist than a handle has room for
	 */
	public static <T> ParticipantSlot<T> create(String name) {
		int index = created.getAndIncrement();
		if (index >= CAPACITY) {
			throw new IllegalStateException("A request has room for " + CAPACITY + " participant slots");
		}
		return new ParticipantSlot<>(name, index);
	}

	/**
	 * Return the state in this slot.
	 * @param handle the request
	 * @return the state, or {@code null} if the slot is empty or deferred
	 */
	@SuppressWarnings("unchecked")
	public @Nullable T get(RequestHandle handle) {
		Object value = SLOTS.getVolatile(handle.slots, this.index);
		return (value == DEFERRED) ? null : (T) value;
	}

	/**
	 * Put state in this slot, whatever it held.
	 * @param handle the request
	 * @param value the state, or {@code null} to empty it
	 */
	public void set(RequestHandle handle, @Nullable T value) {
		SLOTS.setVolatile(handle.slots, this.index, value);
	}

	/**
	 * Empty this slot if it still holds {@code expected}.
	 * @param handle the request
	 * @param expected the state it should hold
	 * @return whether it was emptied
	 */
	public boolean clear(RequestHandle handle, T expected) {
		return SLOTS.compareAndSet(handle.slots, this.index, expected, null);
	}

	/**
	 * Leave the request to a scan of thread slots.
	 * @param handle the request
	 */
	public void defer(RequestHandle handle) {
		SLOTS.setVolatile(handle.slots, this.index, DEFERRED);
	}

	/**
	 * Return whether the request is left to a scan of thread slots.
	 * @param handle the request
	 * @return whether the slot is deferred
	 */
	public boolean isDeferred(RequestHandle handle) {
		return SLOTS.getVolatile(handle.slots, this.index) == DEFERRED;
	}

	/**
	 * Replace the deferral with state, unless someone else moved the slot on first.
	 * @param handle the request
	 * @param value the state
	 * @return whether this call took the slot over
	 */
	public boolean takeOver(RequestHandle handle, T value) {
		return SLOTS.compareAndSet(handle.slots, this.index, DEFERRED, value);
	}

	/**
	 * Empty the slot if it is still deferred.
	 * @param handle the request
	 * @return whether it was deferred
	 */
	public boolean clearDeferred(RequestHandle handle) {
		return SLOTS.compareAndSet(handle.slots, this.index, DEFERRED, null);
	}

	@Override
	public String toString() {
		return "slot '" + this.name + "'";
	}

}
