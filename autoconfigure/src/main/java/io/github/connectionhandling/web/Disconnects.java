package io.github.connectionhandling.web;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.RequestHandle;
import org.jspecify.annotations.Nullable;

/**
 * What the container reports when a client went away: an {@link IOException} from a
 * write to the response (Tomcat's {@code ClientAbortException}, Jetty's
 * {@code EofException}, a reset HTTP/2 stream) or in an async error event. Spring's
 * {@code WebAsyncManager} reads an async {@code IOException} the same way ("disconnected
 * client"). A timeout or an interrupted write is not a departure: the client may still
 * be there.
 */
final class Disconnects {

	private static final int MAX_CAUSES = 8;

	private Disconnects() {
	}

	static boolean isDisconnect(@Nullable Throwable failure) {
		boolean io = false;
		Throwable current = failure;
		for (int depth = 0; current != null && depth < MAX_CAUSES; depth++) {
			if (current instanceof InterruptedIOException || current instanceof ClosedByInterruptException) {
				// A timeout (SocketTimeoutException) or an interrupted writer, also when the
				// container wraps it: the client may still be there.
				return false;
			}
			io |= current instanceof IOException;
			current = current.getCause();
		}
		return io;
	}

	/**
	 * Signal an abort if the container reported a departure, unless the request timed out
	 * (the starter closed that connection itself) or has ended.
	 * @param handle the request
	 * @param failure what the container reported
	 */
	static void signalIfDisconnect(RequestHandle handle, @Nullable Throwable failure) {
		if (!handle.isTimedOut() && !handle.isFinished() && isDisconnect(failure)) {
			handle.signal(ConnectionStatus.ABORTED, "client");
		}
	}

}
