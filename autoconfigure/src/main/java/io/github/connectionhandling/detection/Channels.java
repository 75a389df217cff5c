package io.github.connectionhandling.detection;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * What the detector asks of a container's channel without disturbing the container:
 * registering it with a second selector, and the bytes waiting on it (FIONREAD), which
 * tell a close (none) from pipelined bytes without consuming them.
 */
final class Channels {

	private Channels() {
	}

	/** Bytes waiting; 0 after FIN or RST, or if the channel is unusable. */
	static int available(SocketChannel channel) {
		InputStream input = inputOf(channel);
		return (input != null) ? available(input) : 0;
	}

	static int available(InputStream input) {
		try {
			return input.available();
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	/**
	 * The stream whose {@code available()} is the channel's FIONREAD. Never closed:
	 * closing it would close the container's channel.
	 */
	static @Nullable InputStream inputOf(@Nullable SocketChannel channel) {
		if (channel == null) {
			return null;
		}
		try {
			return channel.socket().getInputStream();
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	static SelectionKey register(Selector selector, @Nullable SocketChannel channel, Object attachment)
			throws IOException {
		if (channel == null) {
			throw new ClosedChannelException();
		}
		try {
			return channel.register(selector, SelectionKey.OP_READ, attachment);
		}
		catch (CancelledKeyException ex) {
			// The previous request on this keep-alive connection left a cancelled key that
			// the selector has not deregistered yet; selectNow() does. The keys it selects
			// stay in the selected set for the detector to handle.
			selector.selectNow();
			return channel.register(selector, SelectionKey.OP_READ, attachment);
		}
	}

	/**
	 * Check that a client's close makes a channel readable on {@code selector} with
	 * nothing to read, before any request relies on it.
	 * @param selector the detector's selector
	 * @param timeoutMillis how long to wait for the close
	 * @return how long it took, in microseconds, or -1 if not seen
	 * @throws IOException if the check could not run (no loopback)
	 */
	static long selfTest(Selector selector, int timeoutMillis) throws IOException {
		InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
		try (ServerSocketChannel server = ServerSocketChannel.open();
				SocketChannel client = SocketChannel.open(server.bind(loopback).getLocalAddress());
				SocketChannel accepted = server.accept()) {
			accepted.configureBlocking(false);
			SelectionKey key = accepted.register(selector, SelectionKey.OP_READ);
			long closedAt = System.nanoTime();
			client.close();
			boolean seen = selector.select(timeoutMillis) == 1 && key.isReadable() && available(accepted) == 0;
			long micros = (System.nanoTime() - closedAt) / 1000;
			key.cancel();
			selector.selectedKeys().clear();
			selector.selectNow();
			return seen ? micros : -1;
		}
	}

}
