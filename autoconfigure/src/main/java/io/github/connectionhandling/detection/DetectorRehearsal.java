package io.github.connectionhandling.detection;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.management.UnixOperatingSystemMXBean;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.jspecify.annotations.Nullable;

/**
 * A few bursts of departures on loopback connections of the detector's own, taken through
 * the detector's and the lifecycle's part of a real burst: watch armed, client gone (FIN
 * and RST), marked, participants told, close callbacks and stop actions run on a callback
 * pool, request finished (no worker thread is interrupted: there is none). A JVM runs code
 * interpreted until it has run a few hundred times: without this, the application's first
 * burst of departures is the one that pays for it. The requests belong to a lifecycle of
 * their own, with the detector as its only participant: no meter, registry or callback of
 * the application sees them.
 */
final class DetectorRehearsal {

	/** How long any step may take before the rehearsal gives up (a loaded machine). */
	private static final long STEP_NANOS = TimeUnit.SECONDS.toNanos(5);

	/** Requests are armed within two of the longest backed-off arm delays (see DisconnectDetector#armTick). */
	private final long armWithinNanos;

	private final DisconnectDetector detector;

	private final int connections;

	private final int rounds;

	DetectorRehearsal(DisconnectDetector detector, int connections, int rounds, Duration armDelay) {
		this.armWithinNanos = (2L << DisconnectDetector.MAX_IDLE_SHIFT) * armDelay.toNanos();
		this.detector = detector;
		this.connections = connections;
		this.rounds = rounds;
	}

	/**
	 * Rehearse; never throws.
	 * @return what happened
	 */
	Outcome run() {
		long started = System.nanoTime();
		int seen = 0;
		RequestLifecycle lifecycle = null;
		try (ServerSocketChannel server = ServerSocketChannel.open()) {
			String lacking = lacking();
			if (lacking != null) {
				return new Outcome(false, false, "skipped (" + lacking + ")");
			}
			server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), this.connections);
			InFlightRequests requests = new InFlightRequests();
			// Two threads of its own: enough to run the path, and no more of them to start
			// than a small host would.
			lifecycle = new RequestLifecycle(requests, List.of(this.detector),
					new RequestLifecycle.Settings(Duration.ZERO, false, false), 2,
					"connection-handling-rehearsal-callback-");
			for (int round = 0; round < this.rounds && this.detector.isRunning(); round++) {
				int departures = round(server, lifecycle, requests);
				seen += departures;
				if (departures < this.connections) {
					break;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Outcome(false, false, "interrupted");
		}
		catch (Throwable ex) {
			return new Outcome(false, false, "could not run (" + ex + ")");
		}
		finally {
			if (lifecycle != null) {
				lifecycle.destroy();
			}
		}
		int expected = this.rounds * this.connections;
		return new Outcome(seen == expected, true, seen + " of " + expected + " loopback departures seen in "
				+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
	}

	/** Why the process cannot spare the sockets, or {@code null}. */
	private @Nullable String lacking() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
			long free = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount();
			if (free < 10L * this.connections) {
				return free + " file descriptors left";
			}
		}
		return null;
	}

	/**
	 * What a rehearsal found.
	 * @param complete whether every departure reached its close callback
	 * @param ran whether it got as far as closing connections
	 * @param description what happened, for the logs
	 */
	record Outcome(boolean complete, boolean ran, String description) {

	}

	/** @return how many departures the close callbacks saw */
	private int round(ServerSocketChannel server, RequestLifecycle lifecycle, InFlightRequests requests)
			throws IOException, InterruptedException {
		List<SocketChannel> clients = new ArrayList<>(this.connections);
		List<SocketChannel> accepted = new ArrayList<>(this.connections);
		List<RequestHandle> handles = new ArrayList<>(this.connections);
		CountDownLatch closed = new CountDownLatch(this.connections);
		try {
			for (int i = 0; i < this.connections; i++) {
				clients.add(SocketChannel.open(server.getLocalAddress()));
				SocketChannel channel = server.accept();
				accepted.add(channel);
				channel.configureBlocking(false);
				RequestHandle handle = lifecycle.start(
						new RequestInfo("GET", "/", null, null, "HTTP/1.1"), new LoopbackConnection(channel), false);
				handle.onClose((status) -> closed.countDown());
				// The work "ends" when stopped, as a stopped handler's request does.
				handle.addStopAction((bits) -> lifecycle.finish(handle));
				handles.add(handle);
			}
			if (!awaitArmed(handles)) {
				return 0;
			}
			for (int i = 0; i < clients.size(); i++) {
				if (i % 2 == 1) {
					clients.get(i).setOption(StandardSocketOptions.SO_LINGER, 0); // RST
				}
				clients.get(i).close();
			}
			long deadline = System.nanoTime() + STEP_NANOS;
			while (!closed.await(10, TimeUnit.MILLISECONDS) && this.detector.isRunning()
					&& System.nanoTime() - deadline < 0) {
				// Until every callback ran, the detector stopped, or time is up.
			}
			return this.connections - (int) closed.getCount();
		}
		finally {
			for (RequestHandle handle : handles) {
				lifecycle.finish(handle);
			}
			closeAll(clients);
			closeAll(accepted);
			// A stop action may still be finishing one: finish() returns once it is marked.
			long deadline = System.nanoTime() + STEP_NANOS;
			while (requests.size() != 0 && System.nanoTime() - deadline < 0) {
				Thread.sleep(1);
			}
			if (requests.size() != 0) {
				throw new IllegalStateException(requests.size() + " rehearsal requests not finished");
			}
		}
	}

	private boolean awaitArmed(List<RequestHandle> handles) throws InterruptedException {
		long deadline = System.nanoTime() + STEP_NANOS + this.armWithinNanos;
		for (RequestHandle handle : handles) {
			while (!(handle.getWatchSlot() instanceof DisconnectDetector.Watch watch)
					|| watch.state() != DisconnectDetector.Watch.ARMED) {
				if (System.nanoTime() - deadline > 0 || !this.detector.isRunning()) {
					return false;
				}
				Thread.sleep(1);
			}
		}
		return true;
	}

	private static void closeAll(List<SocketChannel> channels) {
		for (SocketChannel channel : channels) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// Nothing was written: nothing to lose.
			}
		}
	}

	/** A loopback connection standing in for a container's. */
	private record LoopbackConnection(SocketChannel channel) implements ContainerConnection {

		@Override
		public Object id() {
			return this;
		}

		@Override
		public @Nullable InetSocketAddress localAddress() {
			try {
				return (InetSocketAddress) this.channel.getLocalAddress();
			}
			catch (IOException ex) {
				return null;
			}
		}

		@Override
		public @Nullable InetSocketAddress remoteAddress() {
			try {
				return (InetSocketAddress) this.channel.getRemoteAddress();
			}
			catch (IOException ex) {
				return null;
			}
		}

		@Override
		public void close() {
			try {
				this.channel.close();
			}
			catch (IOException ex) {
				// Closed already.
			}
		}

		@Override
		public boolean isOpen() {
			return this.channel.isOpen();
		}

	}

}
