package io.github.connectionhandling.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw HTTP/1.1 client over a loopback socket, for closing connections at chosen moments
 * with FIN ({@link #close()}) or RST ({@link #reset()}).
 */
public final class RawHttp implements AutoCloseable {

	private final Socket socket;

	/** Read but not yet returned (the start of a pipelined response). */
	private final StringBuilder pending = new StringBuilder();

	private RawHttp(Socket socket) {
		this.socket = socket;
	}

	public static RawHttp connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout(15000);
		return new RawHttp(socket);
	}

	public int localPort() {
		return this.socket.getLocalPort();
	}

	public RawHttp send(String raw) throws IOException {
		this.socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
		this.socket.getOutputStream().flush();
		return this;
	}

	public RawHttp get(String path) throws IOException {
		return send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
	}

	/** Read until the given text appears in what was read; return all that was read. */
	public String readUntil(String text, Duration timeout) throws IOException {
		fill(text, timeout);
		String read = this.pending.toString();
		this.pending.setLength(0);
		return read;
	}

	private void fill(String text, Duration timeout) throws IOException {
		InputStream in = this.socket.getInputStream();
		long deadline = System.nanoTime() + timeout.toNanos();
		byte[] buffer = new byte[8192];
		while (this.pending.indexOf(text) < 0) {
			if (System.nanoTime() > deadline) {
				throw new IOException("Timed out waiting for '" + text + "', read: " + this.pending);
			}
			int n = in.read(buffer);
			if (n < 0) {
				throw new IOException("EOF waiting for '" + text + "', read: " + this.pending);
			}
			this.pending.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
		}
	}

	/**
	 * Read one whole response with a Content-Length body; bytes of a following response
	 * (pipelining) stay for the next call.
	 */
	public Response readResponse(Duration timeout) throws IOException {
		fill("\r\n\r\n", timeout);
		int end = this.pending.indexOf("\r\n\r\n") + 4;
		String headers = this.pending.substring(0, end);
		int status = Integer.parseInt(headers.substring(9, 12));
		int length = 0;
		for (String line : headers.split("\r\n")) {
			if (line.toLowerCase().startsWith("content-length:")) {
				length = Integer.parseInt(line.substring(15).trim());
			}
		}
		InputStream in = this.socket.getInputStream();
		byte[] buffer = new byte[8192];
		while (this.pending.length() < end + length) {
			int n = in.read(buffer);
			if (n < 0) {
				break;
			}
			this.pending.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
		}
		int bodyEnd = Math.min(this.pending.length(), end + length);
		String body = this.pending.substring(end, bodyEnd);
		this.pending.delete(0, bodyEnd);
		return new Response(status, headers, body);
	}

	/** Read to EOF (the server closed); return what was read. */
	public String readToEnd() throws IOException {
		String read = this.pending + new String(this.socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		this.pending.setLength(0);
		return read;
	}

	/** Send FIN but keep reading: a half-close, as {@code nc -N} does. */
	public void halfClose() throws IOException {
		this.socket.shutdownOutput();
	}

	/** Close with FIN. */
	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/** Close with RST. */
	public void reset() throws IOException {
		this.socket.setSoLinger(true, 0);
		this.socket.close();
	}

	public record Response(int status, String headers, String body) {

		public String header(String name) {
			for (String line : this.headers.split("\r\n")) {
				if (line.toLowerCase().startsWith(name.toLowerCase() + ":")) {
					return line.substring(name.length() + 1).trim();
				}
			}
			return null;
		}

	}

}
