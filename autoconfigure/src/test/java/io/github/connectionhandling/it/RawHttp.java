package io.github.connectionhandling.it;

import java.io.ByteArrayOutputStream;
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
		ByteArrayOutputStream read = new ByteArrayOutputStream();
		InputStream in = this.socket.getInputStream();
		long deadline = System.nanoTime() + timeout.toNanos();
		byte[] buffer = new byte[8192];
		while (!read.toString(StandardCharsets.ISO_8859_1).contains(text)) {
			if (System.nanoTime() > deadline) {
				throw new IOException("Timed out waiting for '" + text + "', read: " + read);
			}
			int n = in.read(buffer);
			if (n < 0) {
				throw new IOException("EOF waiting for '" + text + "', read: " + read);
			}
			read.write(buffer, 0, n);
		}
		return read.toString(StandardCharsets.ISO_8859_1);
	}

	/** Read one whole response with a Content-Length body. */
	public Response readResponse(Duration timeout) throws IOException {
		String head = readUntil("\r\n\r\n", timeout);
		int end = head.indexOf("\r\n\r\n") + 4;
		String headers = head.substring(0, end);
		int status = Integer.parseInt(headers.substring(9, 12));
		int length = 0;
		for (String line : headers.split("\r\n")) {
			if (line.toLowerCase().startsWith("content-length:")) {
				length = Integer.parseInt(line.substring(15).trim());
			}
		}
		StringBuilder body = new StringBuilder(head.substring(end));
		InputStream in = this.socket.getInputStream();
		while (body.length() < length) {
			int c = in.read();
			if (c < 0) {
				break;
			}
			body.append((char) c);
		}
		return new Response(status, headers, body.toString());
	}

	/** Read to EOF (the server closed); return what was read. */
	public String readToEnd() throws IOException {
		return new String(this.socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
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
