package io.github.connectionhandling.detection;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectionKey;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.RequestHandle;
import org.jspecify.annotations.Nullable;

/**
 * One request's watch by the {@link DisconnectDetector}. Request threads and the detector
 * thread race on it, so its state changes only by {@link #move(Event)}: a compare-and-set
 * along {@link #next(State, Event)}, the table of allowed transitions.
 */
final class Watch {

	enum State {

		/** Created; the request's body may not have been read yet. */
		NEW,
		/** Followed by polling the kernel's TCP state. */
		POLLING,
		/** Queued to be registered with the selector once due. */
		PENDING,
		/** Being registered by the detector thread, which owns it meanwhile. */
		ARMING,
		/** Registered with the selector for {@code OP_READ}. */
		ARMED,
		/** Readable; the detector thread, which owns it meanwhile, tells a close from bytes waiting. */
		CHECKING,
		/** Final. */
		DONE

	}

	enum Event {

		/** Only the TCP state can tell: the body is unread, no selector, or bytes are waiting. */
		POLL,
		/** The body was read: register the channel once the request is due. */
		QUEUE,
		/** The detector takes a due request. */
		TAKE,
		/** The channel is registered with the selector. */
		REGISTERED,
		/** The selector found the channel readable. */
		READABLE,
		/** The detector is done with it: client gone, response complete, or not watchable. */
		DROP,
		/** The request ended, or a status bit was set. */
		END

	}

	/**
	 * The allowed transitions.
	 * @param from the current state
	 * @param event what happened
	 * @return the state {@code event} moves {@code from} to, or {@code null} if it does not apply
	 */
	static @Nullable State next(State from, Event event) {
		if (event == Event.END) {
			return (from != State.DONE) ? State.DONE : null;
		}
		return switch (from) {
			case NEW -> switch (event) {
				case POLL -> State.POLLING;
				case QUEUE -> State.PENDING;
				default -> null;
			};
			case POLLING -> switch (event) {
				case QUEUE -> State.PENDING;
				case DROP -> State.DONE;
				default -> null;
			};
			case PENDING -> (event == Event.TAKE) ? State.ARMING : null;
			case ARMING -> switch (event) {
				case REGISTERED -> State.ARMED;
				case DROP -> State.DONE;
				default -> null;
			};
			case ARMED -> (event == Event.READABLE) ? State.CHECKING : null;
			case CHECKING -> switch (event) {
				case POLL -> State.POLLING;
				case DROP -> State.DONE;
				default -> null;
			};
			case DONE -> null;
		};
	}

	/** The field behind {@code STATE} (see {@link DetectionRuntimeHints}). */
	static final String STATE_FIELD = "state";

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(Watch.class, STATE_FIELD, State.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	// A field, not an AtomicReference: one object less per watched request.
	private volatile State state = State.NEW;

	/*
	 * Emptied once neither the request nor the detector needs the watch while a queue may
	 * still hold it: a finished request's objects must not live on through young
	 * collections. Read once into a local; null means done.
	 */
	volatile @Nullable RequestHandle handle;

	volatile @Nullable ContainerConnection connection;

	/** When it was queued for arming. */
	volatile long pendingSince;

	volatile @Nullable SelectionKey key;

	/** The channel's stream for FIONREAD, made when armed; only the detector touches it. */
	@Nullable InputStream input;

	/** Only the detector touches it. */
	TcpStateTable.@Nullable Key tcpKey;

	Watch(RequestHandle handle, ContainerConnection connection) {
		this.handle = handle;
		this.connection = connection;
	}

	State state() {
		return this.state;
	}

	/**
	 * Apply {@code event} to the current state, atomically.
	 * @param event what happened
	 * @return the state it moved from, or {@code null} if the event does not apply to the
	 * current state (then nothing changed)
	 */
	@Nullable State move(Event event) {
		while (true) {
			// Read first: most events find the request already done, and a failing
			// compare-and-set would still take the cache line from the core that ended it.
			State from = this.state;
			State to = next(from, event);
			if (to == null) {
				return null;
			}
			if (STATE.compareAndSet(this, from, to)) {
				return from;
			}
		}
	}

	/** Let go of the request; see {@link #handle}. */
	void release() {
		this.handle = null;
		this.connection = null;
		this.input = null;
	}

	@Override
	public String toString() {
		return "Watch[" + this.state + "]";
	}

}
