package io.github.connectionhandling;

import java.time.Duration;
import java.util.function.Consumer;

import io.github.connectionhandling.request.CurrentRequest;

/**
 * The connection status of one HTTP request: PHP's {@code connection_status()} and
 * libevent's close callback for Spring MVC.
 * <p>
 * The status is a bit field: {@link #NORMAL} while the client is connected and the time
 * limit has not run out, {@link #ABORTED} once the client has gone, {@link #TIMEOUT} once
 * the execution time limit has run out; both bits may be set. A controller receives it as
 * a handler method parameter; other code calls {@link #current()}.
 */
public interface ConnectionStatus {

	/** The client is connected and the time limit has not run out. */
	int NORMAL = 0;

	/** The client went away (FIN or RST) while the request was in flight. */
	int ABORTED = 1;

	/** The request's execution time limit ran out. */
	int TIMEOUT = 2;

	/**
	 * Return the status of the request the calling thread works for: the request thread,
	 * or a thread running the request's async work.
	 * @return the current request's status
	 * @throws IllegalStateException if the calling thread works for no request
	 */
	static ConnectionStatus current() {
		return CurrentRequest.status();
	}

	/**
	 * Return the status bits, like PHP's {@code connection_status()}.
	 * @return {@link #NORMAL}, {@link #ABORTED}, {@link #TIMEOUT} or both bits
	 */
	int bits();

	/**
	 * Return whether no bit is set.
	 * @return {@code true} while the client is connected and the limit has not run out
	 */
	default boolean isNormal() {
		return bits() == NORMAL;
	}

	/**
	 * Return whether the client went away, like PHP's {@code connection_aborted()}.
	 * @return whether the {@link #ABORTED} bit is set
	 */
	default boolean isAborted() {
		return (bits() & ABORTED) != 0;
	}

	/**
	 * Return whether the execution time limit ran out.
	 * @return whether the {@link #TIMEOUT} bit is set
	 */
	default boolean isTimedOut() {
		return (bits() & TIMEOUT) != 0;
	}

	/**
	 * Set whether the request keeps running after its client goes away, like PHP's
	 * {@code ignore_user_abort()}.
	 * @param ignore {@code true} to keep running
	 * @return the previous setting
	 */
	boolean ignoreUserAbort(boolean ignore);

	/**
	 * Return whether the request keeps running after its client goes away.
	 * @return the current setting
	 */
	boolean isUserAbortIgnored();

	/**
	 * Set the request's execution time limit and restart its clock from now, like PHP's
	 * {@code set_time_limit()}.
	 * @param limit the new limit; {@link Duration#ZERO} removes the limit
	 * @throws IllegalArgumentException if the limit is negative or longer than 365 days
	 */
	void setTimeLimit(Duration limit);

	/**
	 * Return the request's execution time limit.
	 * @return the limit, {@link Duration#ZERO} when unlimited
	 */
	Duration getTimeLimit();

	/**
	 * Register a callback that runs once, off the request thread, as soon as the client
	 * goes away. Registered after the client went away, it runs at once. An exception it
	 * throws is logged and does not affect other callbacks.
	 * @param callback the callback, given this status
	 */
	void onClose(Consumer<? super ConnectionStatus> callback);

	/**
	 * Register a function that runs once at the end of the request, whatever ended it,
	 * after the request's work and with the final bits, like PHP's
	 * {@code register_shutdown_function()}. Functions run in registration order; an
	 * exception one throws is logged and does not stop the others.
	 * @param callback the function, given this status
	 */
	void onShutdown(Consumer<? super ConnectionStatus> callback);

	/**
	 * Throw if the request's work should stop: its client went away and aborts are not
	 * ignored, or its time limit ran out.
	 * @throws RequestStoppedException if the work should stop
	 */
	void checkpoint();

}
