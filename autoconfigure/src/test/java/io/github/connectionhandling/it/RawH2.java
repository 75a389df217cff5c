package io.github.connectionhandling.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/2 client over one loopback connection (h2c with prior knowledge, or h2 over
 * TLS by ALPN), for resetting streams and dropping the connection at chosen moments:
 * {@link #reset(int)} sends {@code RST_STREAM CANCEL}, {@link #close()} FIN (after
 * {@code close_notify} on TLS), {@link #abort()} RST. A reader thread acknowledges the
 * server's settings and pings and records each stream's response status.
 */
final class RawH2 implements AutoCloseable {

	private static final int DATA = 0;

	private static final int HEADERS = 1;

	private static final int RST_STREAM = 3;

	private static final int SETTINGS = 4;

	private static final int PING = 6;

	private static final int END_STREAM = 0x1;

	private static final int END_HEADERS = 0x4;

	private static final int ACK = 0x1;

	private final Socket socket;

	private final String scheme;

	private final String authority;

	private final Map<Integer, String> statuses = new ConcurrentHashMap<>();

	private final Map<Integer, Boolean> ended = new ConcurrentHashMap<>();

	private final Map<Integer, Boolean> resetByServer = new ConcurrentHashMap<>();

	private int nextStream = 1;

	private RawH2(Socket socket, String scheme, int port) throws IOException {
		this.socket = socket;
		this.scheme = scheme;
		this.authority = "127.0.0.1:" + port;
		OutputStream out = socket.getOutputStream();
		out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		frame(SETTINGS, 0, 0, new byte[0]);
		Thread reader = new Thread(this::read, "raw-h2-reader");
		reader.setDaemon(true);
		reader.start();
	}

	/** Open an h2c connection with prior knowledge. */
	static RawH2 h2c(int port) throws IOException {
		return new RawH2(plain(port), "http", port);
	}

	/** Open an h2 connection over TLS, trusting any certificate. */
	static RawH2 h2(int port, SSLContext context) throws IOException {
		SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain(port), "localhost", port, true);
		SSLParameters parameters = socket.getSSLParameters();
		parameters.setApplicationProtocols(new String[] { "h2" });
		socket.setSSLParameters(parameters);
		socket.startHandshake();
		if (!"h2".equals(socket.getApplicationProtocol())) {
			throw new IOException("The server did not agree on h2: " + socket.getApplicationProtocol());
		}
		return new RawH2(socket, "https", port);
	}

	private static Socket plain(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout(30000);
		return socket;
	}

	/** Send a GET on a new stream; return the stream's id. */
	synchronized int get(String path) throws IOException {
		int stream = this.nextStream;
		this.nextStream += 2;
		ByteArrayOutputStream block = new ByteArrayOutputStream();
		block.write(0x82); // :method GET
		block.write("https".equals(this.scheme) ? 0x87 : 0x86); // :scheme
		literal(block, 4, path); // :path
		literal(block, 1, this.authority); // :authority
		frame(HEADERS, END_HEADERS | END_STREAM, stream, block.toByteArray());
		return stream;
	}

	/** Reset a stream ({@code CANCEL}); the connection stays open. */
	synchronized void reset(int stream) throws IOException {
		frame(RST_STREAM, 0, stream, new byte[] { 0, 0, 0, 8 });
	}

	/** The {@code :status} the server answered on a stream, or {@code null} as yet. */
	String status(int stream) {
		return this.statuses.get(stream);
	}

	/** Whether the server ended the stream (its response is complete, or it reset it). */
	boolean ended(int stream) {
		return this.ended.containsKey(stream);
	}

	int localPort() {
		return this.socket.getLocalPort();
	}

	/** Whether the server reset the stream (rather than ending it normally). */
	boolean resetByServer(int stream) {
		return this.resetByServer.containsKey(stream);
	}

	/** Drop the connection with an RST. */
	void abort() throws IOException {
		this.socket.setSoLinger(true, 0);
		this.socket.close();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/** A literal header field without indexing, with an indexed name, no Huffman coding. */
	private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
		block.write(nameIndex); // 0000 prefix, 4-bit index (1 and 4 fit)
		byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
		integer(block, 0, 7, bytes.length);
		block.write(bytes, 0, bytes.length);
	}

	private static void integer(ByteArrayOutputStream block, int prefix, int bits, int value) {
		int max = (1 << bits) - 1;
		if (value < max) {
			block.write(prefix | value);
			return;
		}
		block.write(prefix | max);
		int rest = value - max;
		while (rest >= 128) {
			block.write((rest & 0x7f) | 0x80);
			rest >>>= 7;
		}
		block.write(rest);
	}

	private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
		byte[] header = { (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
				(byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
				(byte) stream };
		OutputStream out = this.socket.getOutputStream();
		out.write(header);
		out.write(payload);
		out.flush();
	}

	private void read() {
		try {
			DataInputStream in = new DataInputStream(this.socket.getInputStream());
			for (int frames = 0; frames < 1_000_000; frames++) {
				byte[] header = new byte[9];
				in.readFully(header);
				int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
				int type = header[3] & 0xff;
				int flags = header[4] & 0xff;
				int stream = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
						| (header[8] & 0xff);
				byte[] payload = new byte[length];
				in.readFully(payload);
				if (type == SETTINGS && (flags & ACK) == 0) {
					frame(SETTINGS, ACK, 0, new byte[0]);
				}
				else if (type == PING && (flags & ACK) == 0) {
					frame(PING, ACK, 0, payload);
				}
				else if (type == HEADERS && !this.statuses.containsKey(stream)) {
					this.statuses.put(stream, status(payload, flags));
				}
				if (type == RST_STREAM) {
					this.resetByServer.put(stream, true);
				}
				if ((type == HEADERS || type == DATA) && (flags & END_STREAM) != 0 || type == RST_STREAM) {
					this.ended.put(stream, true);
				}
			}
		}
		catch (IOException ex) {
			// the connection closed
		}
	}

	/**
	 * The {@code :status} of a response's first header block: servers send it first, as
	 * an indexed field of the static table (200, 204, 206, 304, 400, 404, 500) or a literal.
	 */
	private static String status(byte[] payload, int flags) {
		int offset = ((flags & 0x8) != 0) ? 1 : 0; // PADDED: pad length
		offset += ((flags & 0x20) != 0) ? 5 : 0; // PRIORITY
		int first = payload[offset] & 0xff;
		// Dynamic table size updates (001xxxxx) may come first.
		while ((first & 0xe0) == 0x20) {
			if ((first & 0x1f) == 0x1f) {
				do {
					offset++;
				}
				while ((payload[offset] & 0x80) != 0);
			}
			offset++;
			first = payload[offset] & 0xff;
		}
		String[] indexed = { "200", "204", "206", "304", "400", "404", "500" };
		if ((first & 0x80) != 0 && (first & 0x7f) >= 8 && (first & 0x7f) <= 14) {
			return indexed[(first & 0x7f) - 8];
		}
		return "literal:" + Integer.toHexString(first);
	}

}
