import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.actuate.ConnectionHandlingMetrics;
import io.github.connectionhandling.detection.DisconnectDetector;
import io.github.connectionhandling.detection.TcpStateTable;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.github.connectionhandling.timelimit.TimeLimiter;

/**
 * What {@code connection-handling.enabled=true} adds to a short request in the starter's
 * own code, without HTTP or a container: one request's start (with a client connection
 * that has a real loopback channel), binding of its thread, unbinding and finish.
 * Variants: {@code disabled} (no participants, as with enabled=false), {@code enabled}
 * (detector with a 5 ms arm delay, time limiter with a 30 s default limit and the
 * meters, the
 * request on its thread's slot, as a request on a platform worker thread) and
 * {@code enabled-queued} (the same with the thread's slot taken: the request is queued
 * for arming and for its timer, as requests on virtual threads are, and as every request
 * was until session 8). Prints, per variant: ns per request on the request thread
 * (median, min, max of the rounds), CPU ns per request of the whole process (the
 * starter's threads included), and bytes allocated per request on the request thread.
 * Run with the JDK's single-file launcher and the module's class path (path-cost.sh).
 */
public class PathCost {

	private static final RequestInfo INFO = new RequestInfo("GET", "/bench", null, "127.0.0.1:1", "HTTP/1.1");

	private static final String[] VARIANTS = { "disabled", "enabled", "enabled-queued" };

	public static void main(String[] args) throws Exception {
		int rounds = (args.length > 0) ? Integer.parseInt(args[0]) : 9;
		int perRound = (args.length > 1) ? Integer.parseInt(args[1]) : 200_000;
		InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
		ServerSocketChannel server = ServerSocketChannel.open().bind(loopback);
		SocketChannel client = SocketChannel.open(server.getLocalAddress());
		SocketChannel accepted = server.accept();
		accepted.configureBlocking(false);
		ContainerConnection connection = new Connection(accepted);

		RequestLifecycle[] lifecycles = new RequestLifecycle[VARIANTS.length];
		DisconnectDetector[] detectors = new DisconnectDetector[VARIANTS.length];
		TimeLimiter[] limiters = new TimeLimiter[VARIANTS.length];
		for (int v = 0; v < VARIANTS.length; v++) {
			boolean enabled = v > 0;
			List<LifecycleParticipant> participants = List.of();
			if (enabled) {
				detectors[v] = new DisconnectDetector(Duration.ofMillis(5), Duration.ofMillis(100), new TcpStateTable());
				detectors[v].start();
				limiters[v] = new TimeLimiter(false);
			}
			InFlightRequests requests = new InFlightRequests();
			if (enabled) {
				// As in an application with Micrometer: the meters follow requests too.
				participants = List.of(detectors[v], limiters[v], new ConnectionHandlingMetrics(requests, null, null));
			}
			lifecycles[v] = new RequestLifecycle(requests, participants,
					new RequestLifecycle.Settings(enabled ? Duration.ofSeconds(30) : Duration.ZERO, false, false));
		}
		// The first two variants run on a thread whose slot is free, the last on one whose
		// slot a long request holds.
		ExecutorService free = Executors.newSingleThreadExecutor();
		ExecutorService taken = Executors.newSingleThreadExecutor();
		RequestHandle holder = taken.submit(() -> lifecycles[2].start(INFO, connection, false)).get();
		ExecutorService[] threads = { free, free, taken };

		for (int warmUp = 0; warmUp < 5; warmUp++) {
			for (int v = 0; v < VARIANTS.length; v++) {
				int variant = v;
				threads[v].submit(() -> run(lifecycles[variant], connection, perRound)).get();
			}
		}
		com.sun.management.ThreadMXBean threadBean = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean();
		double[][] nanos = new double[VARIANTS.length][rounds];
		double[][] cpu = new double[VARIANTS.length][rounds];
		double[][] bytes = new double[VARIANTS.length][rounds];
		// Alternate the variants round by round, so drift and noise hit them alike.
		for (int r = 0; r < rounds; r++) {
			for (int i = 0; i < VARIANTS.length; i++) {
				int v = (r + i) % VARIANTS.length;
				long[] measured = threads[v].submit(() -> {
					long id = Thread.currentThread().getId();
					long allocated = threadBean.getThreadAllocatedBytes(id);
					long processCpu = os.getProcessCpuTime();
					long start = System.nanoTime();
					run(lifecycles[v], connection, perRound);
					long elapsed = System.nanoTime() - start;
					// The starter's threads catch up with the requests of this round.
					Thread.sleep(150);
					return new long[] { elapsed, os.getProcessCpuTime() - processCpu,
							threadBean.getThreadAllocatedBytes(id) - allocated };
				}).get();
				nanos[v][r] = measured[0] / (double) perRound;
				cpu[v][r] = measured[1] / (double) perRound;
				bytes[v][r] = measured[2] / (double) perRound;
			}
		}
		taken.submit(() -> lifecycles[2].finish(holder)).get();
		for (int v = 0; v < VARIANTS.length; v++) {
			if (!lifecycles[v].getRequests().isEmpty()) {
				throw new IllegalStateException(VARIANTS[v] + ": requests left in flight");
			}
			Arrays.sort(nanos[v]);
			Arrays.sort(cpu[v]);
			Arrays.sort(bytes[v]);
			System.out.printf("%s %.0f %.0f %.0f %.0f %.0f%n", VARIANTS[v], nanos[v][rounds / 2], nanos[v][0],
					nanos[v][rounds - 1], cpu[v][rounds / 2], bytes[v][rounds / 2]);
		}
		System.exit(0);
	}

	private static Void run(RequestLifecycle lifecycle, ContainerConnection connection, int count) {
		for (int i = 0; i < count; i++) {
			RequestHandle handle = lifecycle.start(INFO, connection, false);
			try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
				if (handle.bits() != 0) {
					throw new IllegalStateException("signalled: " + handle.bits());
				}
			}
			lifecycle.finish(handle);
		}
		return null;
	}

	/** A keep-alive connection: the same for every request, as on one client's socket. */
	private record Connection(SocketChannel channel) implements ContainerConnection {

		@Override
		public Object id() {
			return this.channel;
		}

		@Override
		public InetSocketAddress localAddress() {
			return null;
		}

		@Override
		public InetSocketAddress remoteAddress() {
			return null;
		}

		@Override
		public void close() {
		}

		@Override
		public boolean isOpen() {
			return this.channel.isOpen();
		}

	}

}
