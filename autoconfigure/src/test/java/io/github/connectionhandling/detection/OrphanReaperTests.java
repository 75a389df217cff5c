package io.github.connectionhandling.detection;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests for {@link OrphanReaper}, on real loopback sockets: a server channel stands in
 * for the container, the kernel's TCP table is the real one.
 */
class OrphanReaperTests {

	private final InFlightRequests requests = new InFlightRequests();

	private final RequestLifecycle lifecycle = new RequestLifecycle(this.requests, List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final SocketServer server = new SocketServer();

	private final ServerConnections connections = new ServerConnections();

	private final TcpStateTable tcpStates = new TcpStateTable();

	private final List<Socket> clients = new CopyOnWriteArrayList<>();

	private ServerSocketChannel listener;

	@BeforeEach
	void listen() throws IOException {
		assumeTrue(new TcpStateTable().isAvailable(), "needs /proc/net/tcp");
		this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		this.connections.add(this.server);
	}

	@AfterEach
	void close() throws IOException {
		for (Socket client : this.clients) {
			client.close();
		}
		for (ChannelConnection connection : this.server.connections) {
			connection.close();
		}
		if (this.listener != null) {
			this.listener.close();
		}
		this.lifecycle.destroy();
	}

	@Test
	void liveConnectionIsNotOrphaned() throws IOException {
		connect();
		assertThat(reaper(true).scan()).isEmpty();
	}

	@Test
	void liveConnectionsAreProbedWithoutReadingTheTcpTable() throws IOException {
		connect();
		connect();
		OrphanReaper reaper = reaper(true);
		assertThat(reaper.scan()).isEmpty();
		// Again: the first probe let go of the channels (a cancelled key that the probe's
		// selector still held would refuse the next registration).
		assertThat(reaper.reap()).isZero();
		assertThat(this.tcpStates.reads()).isZero();
	}

	@Test
	void bytesWaitingAreLookedUpOnlyWhenTheyStayForASecondScan() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true);
		this.clients.get(0).getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
		await().atMost(Duration.ofSeconds(5)).until(() -> available(connection) > 0);
		assertThat(reaper.scan()).isEmpty();
		assertThat(this.tcpStates.reads()).isZero();
		// Still unread: a container that stopped reading; the kernel says the client is there.
		assertThat(reaper.scan()).isEmpty();
		assertThat(this.tcpStates.reads()).isOne();
	}

	@Test
	void clientThatLeftAfterSendingBytesIsOrphanedOnceTheyStay() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true);
		this.clients.get(0).getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.server.closeWait(connection));
		assertThat(reaper.scan()).isEmpty();
		List<OrphanReaper.Orphan> orphans = reaper.scan();
		assertThat(orphans).hasSize(1);
		assertThat(orphans.get(0).reset()).isFalse();
	}

	@Test
	void connectionWithoutSelectableChannelIsLookedUpInTheTcpTable() throws IOException {
		ChannelConnection connection = connect(true);
		OrphanReaper reaper = reaper(true);
		assertThat(reaper.scan()).isEmpty();
		assertThat(this.tcpStates.reads()).isOne();
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> reaper.orphanedCount() == 1);
		assertThat(reaper.scan().get(0).connection()).isSameAs(connection);
	}

	private static int available(ChannelConnection connection) {
		return Channels.available(connection.channel());
	}

	@Test
	void connectionInCloseWaitIsOrphanedThenReaped() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true);
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> reaper.orphanedCount() == 1);
		OrphanReaper.Orphan orphan = reaper.scan().get(0);
		assertThat(orphan.connection()).isSameAs(connection);
		assertThat(orphan.reset()).isFalse();
		await().atMost(Duration.ofSeconds(5)).until(() -> reaper.reap() == 1);
		assertThat(connection.isOpen()).isFalse();
		assertThat(this.requests.totals().reaped()).isOne();
		assertThat(reaper.scan()).isEmpty();
	}

	@Test
	void reapWaitsForASecondScan() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true, Duration.ofMinutes(1));
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> reaper.orphanedCount() == 1);
		// Found just now: half an interval has not passed.
		assertThat(reaper.reap()).isZero();
		assertThat(connection.isOpen()).isTrue();
	}

	@Test
	void connectionOfRequestInFlightIsNotOrphaned() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true);
		RequestHandle handle = this.lifecycle.start(info(), connection, false);
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.server.closeWait(connection));
		assertThat(reaper.scan()).isEmpty();
		assertThat(reaper.reap()).isZero();
		this.lifecycle.finish(handle);
		assertThat(reaper.scan()).hasSize(1);
	}

	@Test
	void resetConnectionIsOrphanedOnceSeenTwice() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true);
		Socket client = this.clients.get(0);
		client.setSoLinger(true, 0);
		client.close();
		// After a reset the kernel forgets the connection; the channel stays open.
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.server.listed(connection));
		assertThat(reaper.scan()).isEmpty();
		List<OrphanReaper.Orphan> orphans = reaper.scan();
		assertThat(orphans).hasSize(1);
		assertThat(orphans.get(0).reset()).isTrue();
	}

	@Test
	void periodicReaperClosesOrphans() throws IOException {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(true, Duration.ofMillis(100));
		reaper.start();
		try {
			assertThat(reaper.isRunning()).isTrue();
			this.clients.get(0).close();
			await().atMost(Duration.ofSeconds(5)).until(() -> this.requests.totals().reaped() == 1);
			assertThat(connection.isOpen()).isFalse();
		}
		finally {
			reaper.stop();
		}
		assertThat(reaper.isRunning()).isFalse();
	}

	@Test
	void reaperDoesNotRunWhenReapingIsOff() throws Exception {
		ChannelConnection connection = connect();
		OrphanReaper reaper = reaper(false, Duration.ofMillis(50));
		reaper.start();
		assertThat(reaper.isRunning()).isFalse();
		this.clients.get(0).close();
		await().atMost(Duration.ofSeconds(5)).until(() -> reaper.orphanedCount() == 1);
		Thread.sleep(300);
		assertThat(connection.isOpen()).isTrue();
		assertThat(this.requests.totals().reaped()).isZero();
	}

	private OrphanReaper reaper(boolean reap) {
		return reaper(reap, Duration.ofMillis(100));
	}

	private OrphanReaper reaper(boolean reap, Duration interval) {
		return new OrphanReaper(this.connections, this.requests, this.tcpStates, interval, reap);
	}

	/** A connection held like the containers hold theirs: a non-blocking channel. */
	private ChannelConnection connect() throws IOException {
		return connect(false);
	}

	private ChannelConnection connect(boolean blocking) throws IOException {
		Socket client = new Socket();
		client.connect(this.listener.getLocalAddress(), 5000);
		this.clients.add(client);
		SocketChannel accepted = this.listener.accept();
		accepted.configureBlocking(blocking);
		ChannelConnection connection = new ChannelConnection(accepted);
		this.server.connections.add(connection);
		return connection;
	}

	private static RequestInfo info() {
		return new RequestInfo("GET", "/x", null, null, "HTTP/1.1");
	}

	/** The test's server: the accepted channels it holds. */
	private static final class SocketServer implements ContainerAdapter {

		final List<ChannelConnection> connections = new CopyOnWriteArrayList<>();

		@Override
		public String describe() {
			return "test";
		}

		@Override
		public @Nullable ContainerConnection connectionOf(HttpServletRequest request) {
			return null;
		}

		@Override
		public List<ContainerConnection> openConnections() {
			return this.connections.stream()
				.filter(ChannelConnection::isOpen)
				.map(ContainerConnection.class::cast)
				.toList();
		}

		@Override
		public int openConnectionCount() {
			return openConnections().size();
		}

		boolean closeWait(ChannelConnection connection) throws IOException {
			Integer state = states(connection);
			return state != null && state == TcpStateTable.CLOSE_WAIT;
		}

		boolean listed(ChannelConnection connection) throws IOException {
			return states(connection) != null;
		}

		private static @Nullable Integer states(ChannelConnection connection) throws IOException {
			TcpStateTable.Key key = TcpStateTable.Key.of(connection.localAddress(), connection.remoteAddress());
			return new TcpStateTable().states(List.of(key)).get(key);
		}

	}

	private static final class ChannelConnection implements ContainerConnection {

		private final SocketChannel channel;

		private final InetSocketAddress local;

		private final InetSocketAddress remote;

		ChannelConnection(SocketChannel channel) throws IOException {
			this.channel = channel;
			this.local = (InetSocketAddress) channel.getLocalAddress();
			this.remote = (InetSocketAddress) channel.getRemoteAddress();
		}

		@Override
		public Object id() {
			return this.channel;
		}

		@Override
		public SocketChannel channel() {
			return this.channel;
		}

		@Override
		public InetSocketAddress localAddress() {
			return this.local;
		}

		@Override
		public InetSocketAddress remoteAddress() {
			return this.remote;
		}

		@Override
		public void close() {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public boolean isOpen() {
			return this.channel.isOpen();
		}

	}

}
