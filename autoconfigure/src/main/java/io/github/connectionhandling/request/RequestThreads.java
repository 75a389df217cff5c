package io.github.connectionhandling.request;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * The requests running on platform threads, at most one per thread: a request is here
 * from its start until it finishes or leaves its first thread (async). Participants that
 * act only on requests still running after a while (the detector arms them, the time
 * limiter sets their timers) scan these once per tick, O(threads), instead of queueing
 * every request: most requests end long before that, and a queue entry per request was
 * most of what the starter added to a short request. Virtual threads, one per request,
 * have no slot; their requests are queued.
 */
public final class RequestThreads {

	/*
	 * A map, not a ThreadLocal: a value left in the container's threads would keep the
	 * application's class loader alive after a WAR is undeployed.
	 */
	private static final Map<Thread, Slot> slots = new ConcurrentHashMap<>();

	/** {@code Thread.isVirtual()}, looked up by name (see {@link RequestRuntimeHints}). */
	static final String IS_VIRTUAL = "isVirtual";

	private static final @Nullable MethodHandle isVirtual = isVirtualHandle();

	private RequestThreads() {
	}

	/**
	 * Put a request in the calling thread's slot, unless the thread is virtual or its slot
	 * is taken (a thread that starts several requests itself).
	 * @param handle the request
	 * @return the slot, or {@code null} if the request is not on one
	 */
	static @Nullable Slot claim(RequestHandle handle) {
		Thread thread = Thread.currentThread();
		Slot slot = slots.get(thread);
		if (slot == null) {
			if (isVirtual(thread)) {
				return null;
			}
			slot = register(thread);
		}
		return slot.compareAndSet(null, handle) ? slot : null;
	}

	private static Slot register(Thread thread) {
		// A pool that lets idle threads die (Jetty's) replaces them: forget the dead ones,
		// unless a request is still on the slot (it stays scanned until it ends).
		slots.entrySet().removeIf((entry) -> !entry.getKey().isAlive() && entry.getValue().get() == null);
		Slot slot = new Slot();
		slots.put(thread, slot);
		return slot;
	}

	/**
	 * Collect the requests on slots that a participant follows.
	 * @param participant the participant
	 * @param into where to add them
	 */
	public static void collect(LifecycleParticipant participant, List<RequestHandle> into) {
		for (Slot slot : slots.values()) {
			RequestHandle handle = slot.get();
			if (handle != null && handle.lifecycle().follows(participant)) {
				into.add(handle);
			}
		}
	}

	private static boolean isVirtual(Thread thread) {
		MethodHandle handle = isVirtual;
		if (handle == null) {
			return false;
		}
		try {
			return (boolean) handle.invokeExact(thread);
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private static @Nullable MethodHandle isVirtualHandle() {
		try {
			// Java 21+; the starter is built for 17.
			return MethodHandles.publicLookup()
				.findVirtual(Thread.class, IS_VIRTUAL, MethodType.methodType(boolean.class));
		}
		catch (ReflectiveOperationException ex) {
			return null;
		}
	}

	/** One platform thread's slot. */
	static final class Slot extends AtomicReference<@Nullable RequestHandle> {

		/**
		 * Take a request off this slot, if it is still there.
		 * @param handle the request
		 * @return whether this call took it off
		 */
		boolean release(RequestHandle handle) {
			return get() == handle && compareAndSet(handle, null);
		}

	}

}
