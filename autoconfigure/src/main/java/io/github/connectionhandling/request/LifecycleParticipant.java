package io.github.connectionhandling.request;

/**
 * Something that follows requests through their lifecycle: the disconnect detector, the
 * time limiter, meters. Called on the thread that drives each step; must not block. A
 * participant takes part in a step by overriding its method: the lifecycle calls each
 * step's method only on participants whose class overrides it (a proxy overrides all).
 */
public interface LifecycleParticipant {

	/**
	 * A request started; its connection, if known, is on the handle.
	 * @param handle the request
	 * @param bodyPending whether the request has a body not yet read
	 */
	default void started(RequestHandle handle, boolean bodyPending) {
	}

	/**
	 * The request's body has been read to its end (or it has none).
	 * @param handle the request
	 */
	default void bodyConsumed(RequestHandle handle) {
	}

	/**
	 * The request's first dispatch ended with its work going on elsewhere (async): it is
	 * no longer on its thread's slot ({@link RequestHandle#isOnThreadSlot()}), so a
	 * participant that left it to the slot scan must follow it some other way now. May
	 * race with {@link #finished} and {@link #signalled} on other threads.
	 * @param handle the request
	 */
	default void leftThread(RequestHandle handle) {
	}

	/**
	 * The request's time limit changed.
	 * @param handle the request
	 */
	default void timeLimitChanged(RequestHandle handle) {
	}

	/**
	 * A status bit was set. An abort that the detector saw is reported on the callback
	 * pool, just before the request's close callbacks, and so possibly after
	 * {@link #finished}: a participant must not recreate per-request state here.
	 * @param handle the request
	 * @param bit {@link io.github.connectionhandling.ConnectionStatus#ABORTED} or
	 * {@link io.github.connectionhandling.ConnectionStatus#TIMEOUT}
	 * @param reason what set it: {@code client}, {@code timeout}, {@code actuator}
	 */
	default void signalled(RequestHandle handle, int bit, String reason) {
	}

	/**
	 * The request's work ended; nothing more will happen to it but, possibly, the report of
	 * an abort that was already signalled ({@link #signalled}).
	 * @param handle the request
	 */
	default void finished(RequestHandle handle) {
	}

}
