package io.github.connectionhandling.request;

/**
 * Stops part of a request's work when it is aborted or times out.
 */
@FunctionalInterface
public interface StopAction {

	/**
	 * Stop the work.
	 * @param bits the request's status bits at the stop
	 * @throws Exception if stopping failed; logged, other actions still run
	 */
	void stop(int bits) throws Exception;

}
