package io.github.connectionhandling;

import org.springframework.http.ProblemDetail;

/**
 * Customizes the RFC 9457 problem that answers a request whose time limit ran out before
 * its response was committed; declare one or more as beans. The problem starts with the
 * status ({@code connection-handling.timeout-status}), its reason phrase as title, a
 * detail naming the limit, and the request's path as instance; it is written with the
 * application's message converters.
 * <p>
 * It runs on the thread that answers the timeout, not the request's: keep it quick and
 * non-blocking. If it throws, the failure is logged and the problem is sent as it was.
 */
@FunctionalInterface
public interface TimeoutProblemCustomizer {

	/**
	 * Customize the problem.
	 * @param problem the problem to send
	 * @param status the request's status (timed out)
	 */
	void customize(ProblemDetail problem, ConnectionStatus status);

}
