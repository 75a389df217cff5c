package io.github.connectionhandling.container;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A client TCP connection held by the server.
 */
public interface ContainerConnection {

	/**
	 * Return an identifier, stable for the connection's life and unique among the
	 * server's open connections.
	 * @return the identifier
	 */
	Object id();

	/**
	 * Return the connection's non-blocking channel, if the container exposes one.
	 * @return the channel or {@code null}
	 */
	@Nullable SocketChannel channel();

	/**
	 * Return the server side's address.
	 * @return the local address, or {@code null} if unknown
	 */
	@Nullable InetSocketAddress localAddress();

	/**
	 * Return the client's address as the socket sees it (not rewritten by proxies).
	 * @return the remote address, or {@code null} if unknown
	 */
	@Nullable InetSocketAddress remoteAddress();

	/**
	 * Close the connection through the container, so that its state stays consistent.
	 */
	void close();

	/**
	 * Return whether the connection is still open.
	 * @return whether it is open
	 */
	boolean isOpen();

	/**
	 * Return when the connection was accepted, if the container records it.
	 * @return the instant or {@code null}
	 */
	default @Nullable Instant openedAt() {
		return null;
	}

	/**
	 * Ask the container to run a callback when the request this connection was looked up
	 * for fails as a stream (an HTTP/2 {@code RST_STREAM} or the loss of the connection
	 * that carries it), where the container has such a signal. Multiplexed connections
	 * cannot be watched at the socket: this is how their streams' aborts are seen.
	 * @param callback what to run, at most once, on a container thread
	 * @return what stops the watch (to run when the request ends), or {@code null} if the
	 * container will not call back; {@code null} by default
	 */
	default @Nullable Runnable onStreamFailure(Runnable callback) {
		return null;
	}

	/**
	 * Ask the container to run a callback when the exchange of the request this
	 * connection was looked up for is over, however it ended, where the container has
	 * such a signal. An async request on a failed HTTP/2 stream may end there without an
	 * async completion event.
	 * @param callback what to run, on a container thread
	 * @return whether the container will call it; {@code false} by default
	 */
	default boolean onExchangeEnd(Runnable callback) {
		return false;
	}

	/**
	 * Reset the stream of the request this connection was looked up for, without
	 * touching the other streams of the connection (HTTP/2), where the container can.
	 * @return whether the container will reset it; {@code false} by default
	 */
	default boolean resetStream() {
		return false;
	}

}
