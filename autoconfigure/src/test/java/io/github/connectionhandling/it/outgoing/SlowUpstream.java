package io.github.connectionhandling.it.outgoing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.connectionhandling.it.Events;

/**
 * The upstream of the outgoing-call tests: a plain HTTP/1.1 server on loopback, one thread
 * per connection, that records under {@code upstream-<tag>} when a call arrives
 * ({@code started}) and when its connection closes ({@code closed}, by FIN or RST).
 * <ul>
 * <li>{@code /slow?tag=t}: never answers, waits for the connection to close;
 * <li>{@code /slow-body?tag=t}: sends the head and the first bytes of a 1,000-byte body,
 * then waits for the connection to close;
 * <li>{@code /fast}: answers {@code ok} at once, and keeps the connection alive.
 * </ul>
 */
public final class SlowUpstream implements AutoCloseable {

	private final ServerSocket server;

	private final Events events;

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final Thread acceptor;

	public SlowUpstream(Events events) throws IOException {
		this.events = events;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::accept, "slow-upstream-acceptor");
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	public int port() {
		return this.server.getLocalPort();
	}

	public String uri(String path) {
		return "http://127.0.0.1:" + port() + path;
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket socket = this.server.accept();
				this.sockets.add(socket);
				Thread thread = new Thread(() -> serve(socket), "slow-upstream-" + socket.getPort());
				thread.setDaemon(true);
				thread.start();
			}
			catch (IOException ex) {
				// closed
			}
		}
	}

	private void serve(Socket socket) {
		try (socket) {
			InputStream in = socket.getInputStream();
			BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
			OutputStream out = socket.getOutputStream();
			for (int requests = 0; requests < 1000; requests++) {
				String line = reader.readLine();
				if (line == null) {
					return;
				}
				String header;
				do {
					header = reader.readLine();
				}
				while (header != null && !header.isEmpty());
				String target = line.split(" ")[1];
				String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
				String tag = tag(target);
				switch (path) {
					case "/fast" -> {
						out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
							.getBytes(StandardCharsets.ISO_8859_1));
						out.flush();
					}
					case "/slow", "/slow-body" -> {
						if (path.equals("/slow-body")) {
							out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\npartial"
								.getBytes(StandardCharsets.ISO_8859_1));
							out.flush();
						}
						this.events.add("upstream-" + tag, "started");
						awaitClose(reader);
						this.events.add("upstream-" + tag, "closed");
						return;
					}
					default -> {
						out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
						out.flush();
					}
				}
			}
		}
		catch (IOException ex) {
			// the client went away
		}
		finally {
			this.sockets.remove(socket);
		}
	}

	private static void awaitClose(BufferedReader reader) {
		try {
			// Bounded: a client that keeps sending is not a close, but no client here does.
			for (int i = 0; i < 1_000_000 && reader.read() >= 0; i++) {
				// discard
			}
		}
		catch (SocketException ex) {
			// reset by the client
		}
		catch (IOException ex) {
			// closed
		}
	}

	private static String tag(String target) {
		int at = target.indexOf("tag=");
		if (at < 0) {
			return "";
		}
		int end = target.indexOf('&', at);
		return target.substring(at + 4, (end < 0) ? target.length() : end);
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
