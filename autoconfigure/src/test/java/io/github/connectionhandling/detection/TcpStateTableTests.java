package io.github.connectionhandling.detection;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TcpStateTable} on tables written in the kernel's format.
 */
class TcpStateTableTests {

	private static final String HEADER_4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
			+ "   uid  timeout inode\n";

	private static final String HEADER_6 = "  sl  local_address                         remote_address"
			+ "                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

	@TempDir
	Path directory;

	@Test
	void findsStatesInBothTables() throws IOException {
		Path tcp = write("tcp", HEADER_4 + line4(0, "0100007F", 8080, "00000000", 0, 0x0A)
				+ line4(1, "0100007F", 8080, "0100007F", 40001, 0x01)
				+ line4(2, "0100007F", 8080, "0100007F", 40002, 0x06)
				+ "   3: garbage\n" + line4(4, "0100007F", 9090, "0100007F", 40003, 0x08));
		Path tcp6 = write("tcp6", HEADER_6 + line6(0, 8080, "0000000000000000FFFF00000100007F", 40004, 0x08)
				+ line6(1, 8080, "000080FE00000000FF005702FE8CA1B0", 40005, 0x01));
		TcpStateTable table = new TcpStateTable(tcp, tcp6);
		TcpStateTable.Key established = key(8080, "127.0.0.1", 40001);
		TcpStateTable.Key timeWait = key(8080, "127.0.0.1", 40002);
		TcpStateTable.Key otherPort = key(8080, "127.0.0.1", 40003);
		TcpStateTable.Key mapped = key(8080, "127.0.0.1", 40004);
		TcpStateTable.Key v6 = key(8080, "fe80::257:ff:b0a1:8cfe", 40005);
		TcpStateTable.Key gone = key(8080, "127.0.0.1", 40006);
		List<TcpStateTable.Key> keys = List.of(established, timeWait, otherPort, mapped, v6, gone);
		// Again: the second call reads the table of the last hits first.
		for (int i = 0; i < 2; i++) {
			assertThat(table.states(keys)).containsEntry(established, TcpStateTable.ESTABLISHED)
				.containsEntry(timeWait, 0x06)
				.containsEntry(mapped, TcpStateTable.CLOSE_WAIT)
				.containsEntry(v6, TcpStateTable.ESTABLISHED)
				.doesNotContainKey(otherPort)
				.doesNotContainKey(gone)
				.hasSize(4);
		}
		assertThat(table.states(List.of(established))).containsEntry(established, TcpStateTable.ESTABLISHED);
		assertThat(table.states(List.of(v6))).containsEntry(v6, TcpStateTable.ESTABLISHED);
		assertThat(table.states(List.of(established))).containsEntry(established, TcpStateTable.ESTABLISHED);
	}

	@Test
	void readsTablesLongerThanOneBuffer() throws IOException {
		StringBuilder content = new StringBuilder(HEADER_4);
		for (int i = 0; i < 5000; i++) {
			content.append(line4(i, "0100007F", 8080, "0100007F", 10000 + i, 0x06));
		}
		// The last line without its line feed.
		content.append(line4(5000, "0100007F", 8080, "0100007F", 20000, 0x01), 0,
				line4(5000, "0100007F", 8080, "0100007F", 20000, 0x01).length() - 1);
		assertThat(content.length()).isGreaterThan(3 * 64 * 1024);
		TcpStateTable table = new TcpStateTable(write("tcp", content.toString()));
		TcpStateTable.Key middle = key(8080, "127.0.0.1", 10000 + 2345);
		TcpStateTable.Key last = key(8080, "127.0.0.1", 20000);
		assertThat(table.states(List.of(middle, last))).containsEntry(middle, 0x06)
			.containsEntry(last, TcpStateTable.ESTABLISHED)
			.hasSize(2);
	}

	@Test
	void noConnectionsReadsNothing() throws IOException {
		assertThat(new TcpStateTable(this.directory.resolve("missing")).states(List.of())).isEmpty();
	}

	private Path write(String name, String content) throws IOException {
		return Files.writeString(this.directory.resolve(name), content, StandardCharsets.US_ASCII);
	}

	private static TcpStateTable.Key key(int localPort, String remoteHost, int remotePort) throws IOException {
		TcpStateTable.Key key = TcpStateTable.Key.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort),
				new InetSocketAddress(InetAddress.getByName(remoteHost), remotePort));
		assertThat(key).isNotNull();
		return key;
	}

	private static String line4(int sl, String local, int localPort, String remote, int remotePort, int state) {
		return String.format("%4d: %s:%04X %s:%04X %02X 00000000:00000000 00:00000000 00000000  1000        0 %d 1"
				+ " 0000000000000000 20 4 30 10 -1\n", sl, local, localPort, remote, remotePort, state, 100000 + sl);
	}

	private static String line6(int sl, int localPort, String remote, int remotePort, int state) {
		return String.format("%4d: 0000000000000000FFFF00000100007F:%04X %s:%04X %02X 00000000:00000000"
				+ " 00:00000000 00000000  1000        0 %d 1 0000000000000000 20 4 30 10 -1\n", sl, localPort, remote,
				remotePort, state, 200000 + sl);
	}

}
