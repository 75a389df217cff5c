package io.github.connectionhandling.integration;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.StopAction;
import org.jspecify.annotations.Nullable;

/**
 * Arms an action that stops the blocking call the calling thread is about to make (cancel
 * a statement, abort an HTTP exchange) for as long as the call runs, if the thread works
 * for a request.
 * <p>
 * Each thread registers one {@link StopAction} per request it works for, the first time
 * it arms a hook for it; arming and disarming afterwards only swap a field, so a request
 * that is never stopped pays a thread-local look-up and an uncontended lock per call.
 * Threads that work for no request pay one thread-local look-up.
 */
public final class StopHooks {

	private static final ThreadLocal<@Nullable Slot> slots = new ThreadLocal<>();

	private StopHooks() {
	}

	/**
	 * Arm a stop action for the call the calling thread is about to make on behalf of the
	 * request it works for.
	 * @param action what stops the call, run on another thread while the call runs
	 * @return the armed hook to {@link Hook#disarm() disarm} in a {@code finally} block, or
	 * {@code null} when the calling thread works for no request in flight
	 * @throws RequestStoppedException if the request was stopped already: the call must
	 * not start
	 */
	public static @Nullable Hook arm(StopAction action) {
		RequestHandle handle = CurrentRequest.handle();
		if (handle == null || handle.isFinished()) {
			return null;
		}
		Slot slot = slots.get();
		if (slot == null || slot.handle != handle) {
			slot = new Slot(handle);
			// Added after the stop it runs at once, finds no call and does nothing.
			handle.addStopAction(slot);
			slots.set(slot);
		}
		Hook hook = new Hook(slot, slot.swap(action));
		// Checked after arming: a stop that comes later finds the action, one that came
		// earlier is seen here, so no call escapes.
		if (handle.isStopped()) {
			hook.disarm();
			throw new RequestStoppedException(handle.bits());
		}
		return hook;
	}

	/**
	 * Return the exception to throw for a call that failed while its request was stopped:
	 * a {@link RequestStoppedException} caused by the call's own failure.
	 * @param hook the hook armed for the call
	 * @param failure how the call failed
	 * @return the exception, or {@code null} if the request was not stopped and the
	 * failure should surface as it is
	 */
	public static @Nullable RequestStoppedException stopped(Hook hook, Throwable failure) {
		RequestHandle handle = hook.slot.handle;
		if (!handle.isStopped()) {
			return null;
		}
		RequestStoppedException stopped = new RequestStoppedException(handle.bits());
		stopped.initCause(failure);
		return stopped;
	}

	/**
	 * A stop action armed for one call.
	 */
	public static final class Hook {

		private final Slot slot;

		private final @Nullable StopAction previous;

		Hook(Slot slot, @Nullable StopAction previous) {
			this.slot = slot;
			this.previous = previous;
		}

		/**
		 * Return the request the call is made for.
		 * @return the request
		 */
		public RequestHandle handle() {
			return this.slot.handle;
		}

		/**
		 * Disarm the action: once this returns it never runs. Call on the thread that
		 * armed it.
		 */
		public void disarm() {
			this.slot.swap(this.previous);
		}

	}

	/**
	 * One thread's calls for one request: the request's stop action for that thread.
	 */
	private static final class Slot implements StopAction {

		final RequestHandle handle;

		// Guarded by this: the stop runs under the lock, so a disarmed action never runs
		// (an interrupt never reaches the thread's next call).
		private @Nullable StopAction current;

		Slot(RequestHandle handle) {
			this.handle = handle;
		}

		synchronized @Nullable StopAction swap(@Nullable StopAction action) {
			StopAction previous = this.current;
			this.current = action;
			return previous;
		}

		@Override
		public synchronized void stop(int bits) throws Exception {
			StopAction action = this.current;
			if (action != null) {
				action.stop(bits);
			}
		}

	}

}
