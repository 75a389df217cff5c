package io.github.connectionhandling.detection;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link DisconnectDetector} on its own, with loopback channels standing in for
 * the container's connections (the containers are covered by the tests in {@code it}).
 */
class DisconnectDetectorTests {

	private final DisconnectDetector detector = new DisconnectDetector(Duration.ofMillis(5), Duration.ofMillis(100),
			new TcpStateTable());

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(this.detector),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private ServerSocketChannel listener;

	@BeforeEach
	void start() throws IOException {
		this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		this.closeables.add(this.listener);
		this.detector.start();
	}

	@AfterEach
	void stop() throws Exception {
		this.detector.stop();
		this.lifecycle.destroy();
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	void startUpSelfTestSeesALoopbackCloseAndSaysSo() {
		assertThat(this.detector.describe()).startsWith("selector (event-driven, 1 thread, arm delay 5 ms, ")
			.containsPattern("self-test: a loopback close seen in \\d+ µs");
	}

	@Test
	void clientThatClosesIsSeenOnceTheRequestIsArmed() throws IOException {
		Socket client = new Socket();
		RequestHandle handle = this.lifecycle.start(info(), accept(client), false);
		// Armed between one and two arm delays after the start; then a close is seen at once.
		client.close();
		await().atMost(Duration.ofSeconds(5)).until(handle::isAborted);
		this.lifecycle.finish(handle);
	}

	@Test
	void manyRequestsArmedInOneBatchAreAllSeen() throws IOException {
		List<Socket> clients = new ArrayList<>();
		List<RequestHandle> handles = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			Socket client = new Socket();
			handles.add(this.lifecycle.start(info(), accept(client), false));
			clients.add(client);
		}
		for (Socket client : clients) {
			client.close();
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> handles.stream().allMatch(RequestHandle::isAborted));
		handles.forEach(this.lifecycle::finish);
	}

	@Test
	void armingBacksOffWhileDueRequestsHaveAllFinishedAndARunningOneIsStillWatched() throws Exception {
		long delay = Duration.ofMillis(5).toNanos();
		// Short requests, each finished before it is due: the passes that find them arm
		// nothing, and the detector wakes less often, down to once per four arm delays.
		long end = System.nanoTime() + Duration.ofMillis(300).toNanos();
		while (System.nanoTime() - end < 0 && this.detector.armTick() != 4 * delay) {
			Socket client = new Socket();
			RequestHandle handle = this.lifecycle.start(info(), accept(client), false);
			this.lifecycle.finish(handle);
			client.close();
			Thread.sleep(2);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.detector.armTick() == 4 * delay);
		// A request still running when due is armed all the same, and the interval is back
		// to one arm delay.
		Socket client = new Socket();
		RequestHandle handle = this.lifecycle.start(info(), accept(client), false);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.detector.armTick() == delay);
		client.close();
		await().atMost(Duration.ofSeconds(5)).until(handle::isAborted);
		this.lifecycle.finish(handle);
	}

	@Test
	void requestWhoseClientHadTheWholeResponseIsNotAborted() throws Exception {
		Socket client = new Socket();
		RequestHandle handle = this.lifecycle.start(info(), accept(client), false);
		handle.markResponded();
		// A keep-alive client sends its next request, or leaves: neither is an abort now.
		client.getOutputStream().write("GET /next HTTP/1.1\r\n".getBytes());
		Thread.sleep(100);
		client.close();
		Thread.sleep(200);
		assertThat(handle.isAborted()).isFalse();
		this.lifecycle.finish(handle);
	}

	@Test
	void finishedRequestsAreNotKeptAliveByTheArmingQueueOrThePolledList() throws Exception {
		// Under load the arming queue holds every request of the last arm delay, the polled
		// list those with a body for a poll interval: holding the requests themselves kept
		// their graphs alive through young collections. Both delays here outlast the test.
		DisconnectDetector slow = new DisconnectDetector(Duration.ofHours(1), Duration.ofHours(1),
				new TcpStateTable());
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(slow),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		slow.start();
		try {
			List<WeakReference<RequestHandle>> finished = List.of(startAndFinish(lifecycle, false),
					startAndFinish(lifecycle, true));
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				System.gc();
				return finished.stream().allMatch((reference) -> reference.get() == null);
			});
		}
		finally {
			slow.stop();
			lifecycle.destroy();
		}
	}

	// A method of its own, so that no local variable keeps the request reachable.
	private WeakReference<RequestHandle> startAndFinish(RequestLifecycle lifecycle, boolean bodyPending)
			throws IOException {
		RequestHandle handle = lifecycle.start(info(), accept(new Socket()), bodyPending);
		lifecycle.finish(handle);
		return new WeakReference<>(handle);
	}

	@Test
	void rehearsalSeesEveryLoopbackDepartureAndLeavesTheApplicationsRequestsAlone() throws Exception {
		Socket client = new Socket();
		RequestHandle real = this.lifecycle.start(info(), accept(client), false);
		DetectorRehearsal.Outcome outcome = new DetectorRehearsal(this.detector, 50, 3, Duration.ofMillis(5)).run();
		assertThat(outcome.complete()).as(outcome.description()).isTrue();
		assertThat(outcome.description()).matches("150 of 150 loopback departures seen in \\d+ ms");
		// The request in flight meanwhile was neither signalled nor unwatched.
		assertThat(real.isAborted()).isFalse();
		assertThat(this.lifecycle.getRequests().all()).containsExactly(real);
		client.close();
		await().atMost(Duration.ofSeconds(5)).until(real::isAborted);
		this.lifecycle.finish(real);
	}

	@Test
	void rehearsalRunsOnceInTheBackground() {
		this.detector.rehearse();
		assertThat(this.detector.isRehearsing()).isTrue();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.detector.rehearsal()).startsWith("500 of 500 "));
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.detector.isRehearsing());
		this.detector.rehearse();
		assertThat(this.detector.isRehearsing()).isFalse();
		assertThat(this.detector.rehearsal()).startsWith("500 of 500 ");
	}

	@Test
	void rehearsalEndsSoonWhenTheDetectorStopsAndNeverStartsOnAStoppedOne() {
		this.detector.rehearse();
		assertThat(this.detector.isRehearsing()).isTrue();
		this.detector.stop();
		// Sooner than any of its own time-outs (5 s a step), and not as if it had worked.
		await().atMost(Duration.ofSeconds(3)).until(() -> !this.detector.isRehearsing());
		assertThat(this.detector.rehearsal()).doesNotStartWith("500 of 500");
		DisconnectDetector stopped = new DisconnectDetector(Duration.ofMillis(5), Duration.ofMillis(100),
				new TcpStateTable());
		stopped.rehearse();
		assertThat(stopped.isRehearsing()).isFalse();
		assertThat(stopped.rehearsal()).isEqualTo("not run");
	}

	@Test
	void rehearsalIsSkippedWithALongArmDelay() {
		DisconnectDetector slow = new DisconnectDetector(Duration.ofMillis(101), Duration.ofMillis(100),
				new TcpStateTable());
		slow.start();
		try {
			slow.rehearse();
			assertThat(slow.isRehearsing()).isFalse();
			assertThat(slow.rehearsal()).isEqualTo("skipped (arm delay over 100 ms)");
		}
		finally {
			slow.stop();
		}
	}

	private ContainerConnection accept(Socket client) throws IOException {
		client.connect(this.listener.getLocalAddress(), 5000);
		this.closeables.add(client);
		SocketChannel accepted = this.listener.accept();
		accepted.configureBlocking(false);
		this.closeables.add(accepted);
		return new LoopbackConnection(accepted);
	}

	private static RequestInfo info() {
		return new RequestInfo("GET", "/x", null, null, "HTTP/1.1");
	}

	private record LoopbackConnection(SocketChannel channel) implements ContainerConnection {

		@Override
		public Object id() {
			return this.channel;
		}

		@Override
		public InetSocketAddress localAddress() {
			try {
				return (InetSocketAddress) this.channel.getLocalAddress();
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public InetSocketAddress remoteAddress() {
			try {
				return (InetSocketAddress) this.channel.getRemoteAddress();
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
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
