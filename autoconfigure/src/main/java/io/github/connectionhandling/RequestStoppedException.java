package io.github.connectionhandling;

/**
 * Thrown by {@link ConnectionStatus#checkpoint()} when a request's work should stop: its
 * client went away (and aborts are not ignored) or its time limit ran out.
 */
public class RequestStoppedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The request's status bits when it was stopped: {@code ABORTED}, {@code TIMEOUT} or both. */
	private final int bits;

	/**
	 * Create an exception for a request that stopped with the given status bits.
	 * @param bits the status bits, see {@link ConnectionStatus#bits()}
	 */
	public RequestStoppedException(int bits) {
		super(describe(bits));
		this.bits = bits;
	}

	/**
	 * Return the status bits of the request when it was stopped.
	 * @return the bits, see {@link ConnectionStatus#bits()}
	 */
	public int getBits() {
		return this.bits;
	}

	private static String describe(int bits) {
		return switch (bits) {
			case ConnectionStatus.ABORTED -> "Request stopped: the client went away";
			case ConnectionStatus.TIMEOUT -> "Request stopped: the execution time limit ran out";
			case ConnectionStatus.ABORTED | ConnectionStatus.TIMEOUT ->
				"Request stopped: the execution time limit ran out after the client went away";
			default -> "Request stopped (status " + bits + ")";
		};
	}

}
