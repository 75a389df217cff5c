package io.github.connectionhandling.detection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.jspecify.annotations.Nullable;

/**
 * Requests and connections for the detection units' tests, with no container, no socket
 * and no participant.
 */
final class DetectionFixtures {

	private static final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private static final Queue<RequestHandle> started = new ConcurrentLinkedQueue<>();

	private static final AtomicInteger ports = new AtomicInteger(40000);

	private DetectionFixtures() {
	}

	static RequestHandle handle() {
		return handle(connection());
	}

	/** Started on the calling thread: {@link #finishAll()} frees its thread slot again. */
	static RequestHandle handle(ContainerConnection connection) {
		RequestHandle handle = lifecycle.start(new RequestInfo("GET", "/x", null, null, "HTTP/1.1"), connection,
				false);
		started.add(handle);
		return handle;
	}

	static void finishAll() {
		RequestHandle handle;
		while ((handle = started.poll()) != null) {
			lifecycle.finish(handle);
		}
	}

	static FakeConnection connection() {
		return new FakeConnection(ports.incrementAndGet());
	}

	/** A connection known by its addresses only: open until closed. */
	static final class FakeConnection implements ContainerConnection {

		private final InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);

		private final InetSocketAddress remote;

		private final AtomicBoolean open = new AtomicBoolean(true);

		FakeConnection(int port) {
			this.remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
		}

		TcpStateTable.Key key() {
			TcpStateTable.Key key = TcpStateTable.Key.of(this.local, this.remote);
			if (key == null) {
				throw new IllegalStateException("no key for " + this.remote);
			}
			return key;
		}

		@Override
		public Object id() {
			return this.remote;
		}

		@Override
		public @Nullable SocketChannel channel() {
			return null;
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
			this.open.set(false);
		}

		@Override
		public boolean isOpen() {
			return this.open.get();
		}

	}

}
