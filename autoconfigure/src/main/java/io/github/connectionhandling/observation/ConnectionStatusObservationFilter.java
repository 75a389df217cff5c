package io.github.connectionhandling.observation;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;

import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Adds the low-cardinality key {@value #KEY} ({@code NORMAL}, {@code ABORTED},
 * {@code TIMEOUT}, {@code ABORTED_TIMEOUT}) to every servlet {@code http.server.requests}
 * observation when it stops, whatever convention produced its other keys.
 * <p>
 * A request whose client went away or whose time limit ran out, and that recorded no
 * exception of its own, gets a {@link RequestStoppedException} as its error, so that the
 * meters' {@code error} tag and the span's error say it failed (as OpenTelemetry's
 * {@code error.type} does for a request that ended without its response), and, if the
 * convention's {@code exception} key still says {@code none}, that key names it too. The
 * {@code status} and {@code outcome} keys stay what the response carried, which is what
 * the container's access log shows.
 * <p>
 * An observation filter runs after the convention computed the keys, when the
 * observation stops; Spring's {@code ServerHttpObservationFilter} stops it after the
 * starter's filter finished the request (the starter's filter runs inside it), so the
 * status is final by then.
 */
public final class ConnectionStatusObservationFilter implements ObservationFilter {

	/** The key added to {@code http.server.requests} observations. */
	public static final String KEY = "connection.status";

	/** The key Spring's default convention names the exception with. */
	private static final String EXCEPTION_KEY = "exception";

	private static final String NONE = "none";

	@Override
	public Observation.Context map(Observation.Context context) {
		if (!(context instanceof ServerRequestObservationContext server)) {
			return context;
		}
		// The starter's filter keeps the handle on the container's request, the carrier.
		int bits = (server.getCarrier().getAttribute(CurrentRequest.ATTRIBUTE) instanceof RequestHandle handle)
				? handle.bits() : ConnectionStatus.NORMAL;
		context.addLowCardinalityKeyValue(KeyValue.of(KEY, value(bits)));
		if (bits != ConnectionStatus.NORMAL && context.getError() == null) {
			RequestStoppedException error = new RequestStoppedException(bits);
			context.setError(error);
			KeyValue exception = context.getLowCardinalityKeyValue(EXCEPTION_KEY);
			if (exception != null && NONE.equals(exception.getValue())) {
				context.addLowCardinalityKeyValue(KeyValue.of(EXCEPTION_KEY, error.getClass().getSimpleName()));
			}
		}
		return context;
	}

	/**
	 * Return the value of {@value #KEY} for the given status bits.
	 * @param bits the bits, as {@link ConnectionStatus#bits()}
	 * @return {@code NORMAL}, {@code ABORTED}, {@code TIMEOUT} or {@code ABORTED_TIMEOUT}
	 */
	public static String value(int bits) {
		return switch (bits & (ConnectionStatus.ABORTED | ConnectionStatus.TIMEOUT)) {
			case ConnectionStatus.ABORTED -> "ABORTED";
			case ConnectionStatus.TIMEOUT -> "TIMEOUT";
			case ConnectionStatus.ABORTED | ConnectionStatus.TIMEOUT -> "ABORTED_TIMEOUT";
			default -> "NORMAL";
		};
	}

}
