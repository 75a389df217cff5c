package io.github.connectionhandling.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A loopback HTTP/1.1 client that keeps every byte the server ever sent on its
 * connection, so a test can assert what must never reach the client (late output of a
 * timed-out handler), whether the server then closes the connection, resets it or keeps
 * it open.
 */
final class WireRecorder implements AutoCloseable {

	private final Socket socket;

	private final ByteArrayOutputStream received = new ByteArrayOutputStream();

	private int consumed;

	private boolean ended;

	private WireRecorder(Socket socket) {
		this.socket = socket;
	}

	static WireRecorder connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout(100);
		return new WireRecorder(socket);
	}

	/**
	 * Send a GET request.
	 * @param path the path and query
	 * @return whether it could be sent (the server may have closed the connection)
	 */
	boolean get(String path) {
		try {
			this.socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			this.socket.getOutputStream().flush();
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Read one response with a Content-Length body (or up to EOF). */
	RawHttp.Response readResponse(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		int headEnd;
		while ((headEnd = unconsumed().indexOf("\r\n\r\n")) < 0) {
			readSome(deadline, "the end of the response head");
		}
		String text = unconsumed();
		String headers = text.substring(0, headEnd + 4);
		int status = Integer.parseInt(headers.substring(9, 12));
		int length = -1;
		for (String line : headers.split("\r\n")) {
			if (line.toLowerCase().startsWith("content-length:")) {
				length = Integer.parseInt(line.substring(15).trim());
			}
		}
		while (length >= 0 && unconsumed().length() < headers.length() + length) {
			readSome(deadline, "the body");
		}
		text = unconsumed();
		String body = (length >= 0) ? text.substring(headers.length(), headers.length() + length)
				: text.substring(headers.length());
		this.consumed += headers.length() + body.length();
		return new RawHttp.Response(status, headers, body);
	}

	/**
	 * Keep reading until the server ends the connection (EOF or reset), or until
	 * {@code stop} holds, or {@code max} has passed.
	 * @return whether the connection ended
	 */
	boolean drain(BooleanSupplier stop, Duration max) {
		long deadline = System.nanoTime() + max.toNanos();
		while (!this.ended && !stop.getAsBoolean() && System.nanoTime() < deadline) {
			readOnce();
		}
		return this.ended;
	}

	/** Everything the server sent on this connection. */
	String all() {
		return this.received.toString(StandardCharsets.ISO_8859_1);
	}

	/** What has not been returned as a response yet. */
	String unconsumed() {
		return all().substring(this.consumed);
	}

	boolean ended() {
		return this.ended;
	}

	private void readSome(long deadline, String what) throws IOException {
		if (this.ended) {
			throw new IOException("Connection ended waiting for " + what + ", read: " + all());
		}
		if (System.nanoTime() > deadline) {
			throw new IOException("Timed out waiting for " + what + ", read: " + all());
		}
		readOnce();
	}

	private void readOnce() {
		byte[] buffer = new byte[8192];
		try {
			InputStream in = this.socket.getInputStream();
			int n = in.read(buffer);
			if (n < 0) {
				this.ended = true;
			}
			else {
				this.received.write(buffer, 0, n);
			}
		}
		catch (SocketTimeoutException ex) {
			// nothing yet
		}
		catch (IOException ex) {
			this.ended = true; // reset
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
