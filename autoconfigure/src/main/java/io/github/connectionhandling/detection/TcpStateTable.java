package io.github.connectionhandling.detection;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

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

	private final Path[] files;

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
		Set<Key> wanted = new HashSet<>(connections);
		Set<Integer> localPorts = new HashSet<>();
		for (Key key : wanted) {
			localPorts.add(key.localPort);
		}
		for (Path file : this.files) {
			if (!Files.isReadable(file)) {
				continue;
			}
			try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
				reader.readLine(); // header
				String line;
				while ((line = reader.readLine()) != null && found.size() < wanted.size()) {
					parse(line, localPorts, wanted, found);
				}
			}
		}
		return found;
	}

	private static void parse(String line, Set<Integer> localPorts, Set<Key> wanted, Map<Key, Integer> found) {
		// "  sl: local_address rem_address st ..." with addresses as HEX:PORT
		int colon = line.indexOf(':');
		int localStart = skipSpaces(line, colon + 1);
		int localEnd = line.indexOf(' ', localStart);
		int remoteStart = skipSpaces(line, localEnd);
		int remoteEnd = line.indexOf(' ', remoteStart);
		int stateStart = skipSpaces(line, remoteEnd);
		if (colon < 0 || localEnd < 0 || remoteEnd < 0 || stateStart + 2 > line.length()) {
			return;
		}
		int localPort = Integer.parseInt(line, localEnd - 4, localEnd, 16);
		if (!localPorts.contains(localPort)) {
			return;
		}
		int remotePort = Integer.parseInt(line, remoteEnd - 4, remoteEnd, 16);
		byte[] remote = address(line, remoteStart, remoteEnd - 5);
		Key key = new Key(localPort, remotePort, remote);
		if (wanted.contains(key)) {
			found.put(key, Integer.parseInt(line, stateStart, stateStart + 2, 16));
		}
	}

	private static int skipSpaces(String line, int from) {
		int i = Math.max(from, 0);
		while (i < line.length() && line.charAt(i) == ' ') {
			i++;
		}
		return i;
	}

	/** Decode the kernel's address: 32-bit words in host (little-endian) byte order. */
	private static byte[] address(String line, int start, int end) {
		int words = (end - start) / 8;
		byte[] bytes = new byte[words * 4];
		for (int w = 0; w < words; w++) {
			for (int b = 0; b < 4; b++) {
				int hex = start + w * 8 + (3 - b) * 2;
				bytes[w * 4 + b] = (byte) Integer.parseInt(line, hex, hex + 2, 16);
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
