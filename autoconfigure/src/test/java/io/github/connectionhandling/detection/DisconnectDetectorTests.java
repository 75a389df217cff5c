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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static java.util.concurrent.TimeUnit.SECONDS;
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

	private final List<SocketChannel> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

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
			List<WeakReference<RequestHandle>> finished = List.of(startAndFinish(lifecycle, false, false),
					startAndFinish(lifecycle, true, false), startAndFinish(lifecycle, false, true));
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
	private WeakReference<RequestHandle> startAndFinish(RequestLifecycle lifecycle, boolean bodyPending,
			boolean async) throws IOException {
		RequestHandle handle = lifecycle.start(info(), accept(new Socket()), bodyPending);
		if (async) {
			// Queued for arming when its first dispatch ends (off its thread's slot).
			lifecycle.leaveThread(handle);
			assertThat(DisconnectDetector.WATCH.get(handle)).isInstanceOf(Watch.class);
		}
		lifecycle.finish(handle);
		return new WeakReference<>(handle);
	}

	@Test
	void requestThatEndsOnItsThreadBeforeTheArmDelayCostsTheDetectorNothing() throws Exception {
		DisconnectDetector slow = new DisconnectDetector(Duration.ofHours(1), Duration.ofHours(1),
				new TcpStateTable());
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(slow),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		slow.start();
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			ContainerConnection connection = accept(new Socket());
			RequestHandle handle = worker.submit(() -> lifecycle.start(info(), connection, false)).get(5, SECONDS);
			// Left to the scan of thread slots: no watch, no queue entry.
			assertThat(handle.isOnThreadSlot()).isTrue();
			assertThat(DisconnectDetector.WATCH.isDeferred(handle)).isTrue();
			worker.submit(() -> lifecycle.finish(handle)).get(5, SECONDS);
			assertThat(handle.isOnThreadSlot()).isFalse();
			assertThat(DisconnectDetector.WATCH.isDeferred(handle)).isTrue();
			assertThat(connection.channel().isRegistered()).isFalse();
		}
		finally {
			worker.shutdownNow();
			slow.stop();
			lifecycle.destroy();
		}
	}

	@Test
	void requestStillRunningOnItsThreadIsArmedByTheScanAndItsClientsCloseSeen() throws Exception {
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			Socket client = new Socket();
			ContainerConnection connection = accept(client);
			RequestHandle handle = worker.submit(() -> this.lifecycle.start(info(), connection, false))
				.get(5, SECONDS);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> armed(handle) != null);
			client.close();
			await().atMost(Duration.ofSeconds(5)).until(handle::isAborted);
			worker.submit(() -> this.lifecycle.finish(handle)).get(5, SECONDS);
		}
		finally {
			worker.shutdownNow();
		}
	}

	@Test
	void requestThatLeavesItsThreadIsQueuedForArmingAndItsClientsCloseSeen() throws Exception {
		// Armed a while after it left its thread: its state in between can be looked at.
		DisconnectDetector later = new DisconnectDetector(Duration.ofMillis(300), Duration.ofMillis(100),
				new TcpStateTable());
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(later),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		later.start();
		ExecutorService worker = Executors.newSingleThreadExecutor();
		try {
			Socket client = new Socket();
			ContainerConnection connection = accept(client);
			// An async request: its first dispatch ends at once, its work goes on.
			RequestHandle handle = worker.submit(() -> {
				RequestHandle started = lifecycle.start(info(), connection, false);
				lifecycle.leaveThread(started);
				return started;
			}).get(5, SECONDS);
			assertThat(handle.isOnThreadSlot()).isFalse();
			assertThat(DisconnectDetector.WATCH.get(handle)).isInstanceOfSatisfying(Watch.class,
					(watch) -> assertThat(watch.state()).isSameAs(Watch.State.PENDING));
			assertThat(connection.channel().isRegistered()).isFalse();
			client.close();
			await().atMost(Duration.ofSeconds(5)).until(handle::isAborted);
			lifecycle.finish(handle);
			await().atMost(Duration.ofSeconds(5)).until(() -> !connection.channel().isRegistered());
		}
		finally {
			worker.shutdownNow();
			later.stop();
			lifecycle.destroy();
		}
	}

	@Test
	void requestStartingWhileTheDetectorWaitsForSomethingElseIsArmedWhenDue() throws Exception {
		// A request whose body is never read is polled by TCP state: the detector then
		// waits for the poll interval (10 s here) and has nothing else to do.
		DisconnectDetector detector = new DisconnectDetector(Duration.ofMillis(5), Duration.ofSeconds(10),
				new TcpStateTable());
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(detector),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		detector.start();
		ExecutorService workers = Executors.newFixedThreadPool(2);
		try {
			ContainerConnection uploader = accept(new Socket());
			RequestHandle uploading = workers.submit(() -> lifecycle.start(info(), uploader, true)).get(5, SECONDS);
			// Long enough for the detector to stop scanning threads on its own.
			Thread.sleep(500);
			Socket client = new Socket();
			ContainerConnection connection = accept(client);
			RequestHandle handle = workers.submit(() -> lifecycle.start(info(), connection, false)).get(5, SECONDS);
			// The request's start wakes it: armed when due, not at the next poll (10 s on).
			await().atMost(Duration.ofSeconds(5)).until(() -> armed(handle) != null);
			// Both workers' slots are taken (the upload's, the first request's): a third
			// request is queued, and queueing it wakes the detector too.
			Thread.sleep(500);
			ContainerConnection queuedConnection = accept(new Socket());
			RequestHandle queued = workers.submit(() -> lifecycle.start(info(), queuedConnection, false))
				.get(5, SECONDS);
			assertThat(queued.isOnThreadSlot()).isFalse();
			await().atMost(Duration.ofSeconds(5)).until(() -> armed(queued) != null);
			client.close();
			await().atMost(Duration.ofSeconds(5)).until(handle::isAborted);
			lifecycle.finish(handle);
			lifecycle.finish(queued);
			lifecycle.finish(uploading);
		}
		finally {
			workers.shutdownNow();
			detector.stop();
			lifecycle.destroy();
		}
	}

	@Test
	void requestsEndingAroundTheArmDelayLeaveNoChannelRegistered() throws Exception {
		// Each of four worker threads runs requests that end between 0 and 12 ms (the arm
		// delay is 5 ms), every third one leaving its thread first as an async request
		// would: the scan, the queue and the requests' ends race in every order.
		int threads = 4;
		int perThread = 120;
		ExecutorService workers = Executors.newFixedThreadPool(threads);
		List<RequestHandle> handles = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<Socket> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
		try {
			List<java.util.concurrent.Future<?>> done = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				done.add(workers.submit(() -> {
					java.util.Random random = new java.util.Random();
					for (int i = 0; i < perThread; i++) {
						Socket client = new Socket();
						RequestHandle handle = this.lifecycle.start(info(), accept(client), false);
						clients.add(client);
						handles.add(handle);
						if (i % 3 == 0) {
							this.lifecycle.leaveThread(handle);
						}
						java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(12_000_000));
						this.lifecycle.finish(handle);
					}
					return null;
				}));
			}
			for (java.util.concurrent.Future<?> future : done) {
				future.get(60, SECONDS);
			}
			assertThat(handles).hasSize(threads * perThread);
			// With every client still connected: a key left registered would stay so, and
			// every watch has ended.
			await().atMost(Duration.ofSeconds(5))
				.until(() -> this.accepted.stream().noneMatch(SocketChannel::isRegistered));
			assertThat(handles).allSatisfy((handle) -> assertThat(
					DisconnectDetector.WATCH.isDeferred(handle)
							|| DisconnectDetector.WATCH.get(handle).state() == Watch.State.DONE)
				.isTrue());
		}
		finally {
			workers.shutdownNow();
		}
	}

	@Test
	void connectionsWithoutASelectableChannelOrWithTheBodyUnreadAreFollowedByTcpState() {
		// The table is the test's: a connection is gone when the test says so.
		java.util.Map<TcpStateTable.Key, Integer> table = new java.util.concurrent.ConcurrentHashMap<>();
		DisconnectDetector detector = new DisconnectDetector(Duration.ofMillis(5), Duration.ofMillis(10), (keys) -> {
			java.util.Map<TcpStateTable.Key, Integer> states = new java.util.HashMap<>();
			keys.forEach((key) -> states.put(key, table.getOrDefault(key, TcpStateTable.ESTABLISHED)));
			return states;
		}, true, System::nanoTime);
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(detector),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		detector.start();
		try {
			DetectionFixtures.FakeConnection noChannel = DetectionFixtures.connection();
			DetectionFixtures.FakeConnection uploading = DetectionFixtures.connection();
			RequestHandle first = lifecycle.start(info(), noChannel, false);
			RequestHandle second = lifecycle.start(info(), uploading, true);
			assertThat(DisconnectDetector.WATCH.get(first)).isInstanceOfSatisfying(Watch.class,
					(watch) -> assertThat(watch.state()).isSameAs(Watch.State.POLLING));
			assertThat(DisconnectDetector.WATCH.get(second)).isInstanceOfSatisfying(Watch.class,
					(watch) -> assertThat(watch.state()).isSameAs(Watch.State.POLLING));
			table.put(noChannel.key(), TcpStateTable.CLOSE_WAIT);
			await().atMost(Duration.ofSeconds(5)).until(first::isAborted);
			assertThat(second.isAborted()).isFalse();
			table.put(uploading.key(), TcpStateTable.CLOSE_WAIT);
			await().atMost(Duration.ofSeconds(5)).until(second::isAborted);
			lifecycle.finish(first);
			lifecycle.finish(second);
		}
		finally {
			detector.stop();
			lifecycle.destroy();
		}
	}

	@Test
	void departuresRightAfterAnotherAreReadAfterAPauseWhileALoneOneIsNot() throws Exception {
		// A long pause, so that its effect cannot be mistaken for a slow machine.
		DisconnectDetector coalescing = new DisconnectDetector(Duration.ofMillis(5), Duration.ofHours(1),
				(keys) -> java.util.Map.of(), false, System::nanoTime, Duration.ofSeconds(2));
		RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(coalescing),
				new RequestLifecycle.Settings(Duration.ZERO, false, false));
		coalescing.start();
		try {
			Socket first = new Socket();
			Socket second = new Socket();
			RequestHandle one = lifecycle.start(info(), accept(first), false);
			RequestHandle two = lifecycle.start(info(), accept(second), false);
			lifecycle.leaveThread(one);
			lifecycle.leaveThread(two);
			await().atMost(Duration.ofSeconds(5)).until(() -> armed(one) != null && armed(two) != null);
			long closed = System.nanoTime();
			first.close();
			await().atMost(Duration.ofSeconds(5)).until(one::isAborted);
			second.close();
			await().atMost(Duration.ofSeconds(5)).until(two::isAborted);
			// The second left while the detector paused after the first: read after the pause.
			assertThat(two.getAbortedAtNanos() - one.getAbortedAtNanos())
				.isGreaterThanOrEqualTo(Duration.ofMillis(1500).toNanos());
			// The first was found by a blocked select, with no pause before it.
			assertThat(one.getAbortedAtNanos() - closed).isLessThan(Duration.ofMillis(1500).toNanos());
			lifecycle.finish(one);
			lifecycle.finish(two);
		}
		finally {
			coalescing.stop();
			lifecycle.destroy();
		}
	}

	private static @org.jspecify.annotations.Nullable Watch armed(RequestHandle handle) {
		Watch watch = DisconnectDetector.WATCH.get(handle);
		return (watch != null && watch.state() == Watch.State.ARMED) ? watch : null;
	}

	private synchronized ContainerConnection accept(Socket client) throws IOException {
		client.connect(this.listener.getLocalAddress(), 5000);
		this.closeables.add(client);
		SocketChannel accepted = this.listener.accept();
		accepted.configureBlocking(false);
		this.closeables.add(accepted);
		this.accepted.add(accepted);
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
