package io.github.connectionhandling.detection;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * The kernel's TCP connection states, read from Linux's {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} in one pass for a batch of connections. A connection whose peer
 * sent FIN is in {@code CLOSE_WAIT}; one that was reset is no longer listed.
 */
public final class TcpStateTable {

	/** The peer sent FIN: the client closed. */
	public static final int CLOSE_WAIT = 0x08;

	/** Data can still flow both ways. */
	public static final int ESTABLISHED = 0x01;

	private static final Path[] FILES = { Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6") };

	private static final int BUFFER_SIZE = 64 * 1024;

	private final Path[] files;

	/** The table to read first: where connections were found last time. */
	private volatile int firstFile;

	/** How many times the tables were read, for tests. */
	private final AtomicLong reads = new AtomicLong();

	public TcpStateTable() {
		this(FILES);
	}

	TcpStateTable(Path... files) {
		this.files = files;
	}

	/**
	 * Return whether this platform exposes TCP states (Linux).
	 * @return whether {@link #states} can work
	 */
	public boolean isAvailable() {
		return Files.isReadable(this.files[0]);
	}

	/**
	 * Look up the states of connections, identified by their local and remote address as
	 * the server sees them.
	 * @param connections the connections
	 * @return the state of each connection found; a connection not in the map is not
	 * known to the kernel (reset, or closed)
	 * @throws IOException if the table cannot be read
	 */
	public Map<Key, Integer> states(Collection<Key> connections) throws IOException {
		Map<Key, Integer> found = new HashMap<>();
		if (connections.isEmpty()) {
			return found;
		}
		this.reads.incrementAndGet();
		Set<Key> wanted = new HashSet<>(connections);
		// The table lists every socket of the host, TIME_WAIT ones included (thousands on a
		// busy server): a line is only decoded into a key if both its ports are wanted.
		BitSet localPorts = new BitSet(0x10000);
		BitSet remotePorts = new BitSet(0x10000);
		for (Key key : wanted) {
			localPorts.set(key.localPort);
			remotePorts.set(key.remotePort);
		}
		byte[] buffer = new byte[BUFFER_SIZE];
		Lines lines = new Lines(localPorts, remotePorts, wanted, found);
		// Each table costs a walk over the kernel's whole established hash (some
		// milliseconds, even when nearly empty): the one where connections were found last
		// time is read first, and the other not at all once every connection was found.
		int first = this.firstFile;
		for (int i = 0; i < this.files.length && found.size() < wanted.size(); i++) {
			int index = (first + i) % this.files.length;
			Path file = this.files[index];
			if (!Files.isReadable(file)) {
				continue;
			}
			int before = found.size();
			try (InputStream in = new FileInputStream(file.toFile())) {
				read(in, buffer, lines);
			}
			if (found.size() > before) {
				this.firstFile = index;
			}
		}
		return found;
	}

	long reads() {
		return this.reads.get();
	}

	/**
	 * Read a table in large chunks (each read of a {@code /proc} table walks the kernel's
	 * socket hash from where the last one stopped: few reads, little work) and hand each
	 * whole line to the parser, without making strings of them.
	 */
	private static void read(InputStream in, byte[] buffer, Lines lines) throws IOException {
		int length = 0;
		boolean header = true;
		int read;
		while ((read = in.read(buffer, length, buffer.length - length)) > 0) {
			length += read;
			int start = 0;
			for (int i = 0; i < length; i++) {
				if (buffer[i] == '\n') {
					if (header) {
						header = false;
					}
					else if (lines.parse(buffer, start, i)) {
						return; // all found
					}
					start = i + 1;
				}
			}
			if (start == 0 && length == buffer.length) {
				throw new IOException("Line longer than " + buffer.length + " bytes in the TCP table");
			}
			System.arraycopy(buffer, start, buffer, 0, length - start);
			length -= start;
		}
		if (length > 0 && !header) {
			lines.parse(buffer, 0, length); // a last line without a line feed
		}
	}

	/**
	 * Parses the lines of one table.
	 */
	private static final class Lines {

		private final BitSet localPorts;

		private final BitSet remotePorts;

		private final Set<Key> wanted;

		private final Map<Key, Integer> found;

		Lines(BitSet localPorts, BitSet remotePorts, Set<Key> wanted, Map<Key, Integer> found) {
			this.localPorts = localPorts;
			this.remotePorts = remotePorts;
			this.wanted = wanted;
			this.found = found;
		}

		/**
		 * Parse one line: {@code "  sl: local_address rem_address st ..."} with addresses
		 * as {@code HEX:PORT}; malformed lines are skipped.
		 * @return whether every wanted connection has been found
		 */
		boolean parse(byte[] line, int from, int to) {
			int colon = indexOf(line, from, to, (byte) ':');
			int localStart = skipSpaces(line, colon + 1, to);
			int localEnd = indexOf(line, localStart, to, (byte) ' ');
			int remoteStart = skipSpaces(line, localEnd, to);
			int remoteEnd = indexOf(line, remoteStart, to, (byte) ' ');
			int stateStart = skipSpaces(line, remoteEnd, to);
			if (colon < 0 || localEnd < 0 || remoteEnd < 0 || stateStart + 2 > to || localEnd - localStart < 13
					|| remoteEnd - remoteStart < 13) {
				return false;
			}
			int localPort = hex(line, localEnd - 4, localEnd);
			int remotePort = hex(line, remoteEnd - 4, remoteEnd);
			if (localPort < 0 || remotePort < 0 || !this.localPorts.get(localPort)
					|| !this.remotePorts.get(remotePort)) {
				return false;
			}
			byte[] remote = address(line, remoteStart, remoteEnd - 5);
			int state = hex(line, stateStart, stateStart + 2);
			if (remote == null || state < 0) {
				return false;
			}
			Key key = new Key(localPort, remotePort, remote);
			if (this.wanted.contains(key)) {
				this.found.put(key, state);
			}
			return this.found.size() >= this.wanted.size();
		}

	}

	private static int indexOf(byte[] line, int from, int to, byte wanted) {
		if (from < 0) {
			return -1;
		}
		for (int i = from; i < to; i++) {
			if (line[i] == wanted) {
				return i;
			}
		}
		return -1;
	}

	private static int skipSpaces(byte[] line, int from, int to) {
		int i = Math.max(from, 0);
		while (i < to && line[i] == ' ') {
			i++;
		}
		return i;
	}

	/** The value of hexadecimal digits, -1 if there is another character. */
	private static int hex(byte[] line, int from, int to) {
		int value = 0;
		for (int i = from; i < to; i++) {
			int digit = Character.digit(line[i], 16);
			if (digit < 0) {
				return -1;
			}
			value = (value << 4) | digit;
		}
		return value;
	}

	/** Decode the kernel's address: 32-bit words in host (little-endian) byte order. */
	private static byte @Nullable [] address(byte[] line, int start, int end) {
		int words = (end - start) / 8;
		if (words != 1 && words != 4) {
			return null;
		}
		byte[] bytes = new byte[words * 4];
		for (int w = 0; w < words; w++) {
			for (int b = 0; b < 4; b++) {
				int hex = start + w * 8 + (3 - b) * 2;
				int value = hex(line, hex, hex + 2);
				if (value < 0) {
					return null;
				}
				bytes[w * 4 + b] = (byte) value;
			}
		}
		return normalize(bytes);
	}

	/** IPv4 and IPv4-mapped IPv6 addresses in one 16-byte form. */
	static byte[] normalize(byte[] address) {
		if (address.length == 16) {
			return address;
		}
		byte[] mapped = new byte[16];
		mapped[10] = (byte) 0xff;
		mapped[11] = (byte) 0xff;
		System.arraycopy(address, 0, mapped, 12, 4);
		return mapped;
	}

	/**
	 * A connection as the server sees it: local port, remote port and remote address.
	 */
	public static final class Key {

		final int localPort;

		final int remotePort;

		private final byte[] remoteAddress;

		private final int hash;

		Key(int localPort, int remotePort, byte[] remoteAddress) {
			this.localPort = localPort;
			this.remotePort = remotePort;
			this.remoteAddress = remoteAddress;
			this.hash = 31 * (31 * localPort + remotePort) + Arrays.hashCode(remoteAddress);
		}

		/**
		 * Return the key of a connection, if both its addresses are known.
		 * @param local the server's address
		 * @param remote the client's address
		 * @return the key or {@code null}
		 */
		public static @Nullable Key of(@Nullable InetSocketAddress local, @Nullable InetSocketAddress remote) {
			if (local == null || remote == null) {
				return null;
			}
			InetAddress address = remote.getAddress();
			if (address == null) {
				return null;
			}
			return new Key(local.getPort(), remote.getPort(), normalize(address.getAddress()));
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof Key that && this.localPort == that.localPort && this.remotePort == that.remotePort
					&& Arrays.equals(this.remoteAddress, that.remoteAddress);
		}

		@Override
		public int hashCode() {
			return this.hash;
		}

		@Override
		public String toString() {
			return "[" + this.localPort + " <- " + this.remotePort + "]";
		}

	}

}
