/*
 * The floor any selector-based detector gets on this machine: one thread blocked in
 * select() on 200 accepted loopback sockets, another thread of the same JVM closing the
 * client ends in a loop (as bench/DetectionLatency.java does), 8 bursts. For each burst it
 * prints the latency from each close to the wake-up that saw it: p50 / p99 / max. No
 * server work at all: what remains is the machine's scheduling. Plain JDK:
 *
 *   java bench/SelectorFloor.java [sockets=200] [bursts=8]
 */

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Locale;

public class SelectorFloor {

	public static void main(String[] args) throws Exception {
		int n = (args.length > 0) ? Integer.parseInt(args[0]) : 200;
		int bursts = (args.length > 1) ? Integer.parseInt(args[1]) : 8;
		try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
				Selector selector = Selector.open()) {
			for (int burst = 1; burst <= bursts; burst++) {
				Socket[] clients = new Socket[n];
				SocketChannel[] accepted = new SocketChannel[n];
				for (int i = 0; i < n; i++) {
					clients[i] = new Socket("127.0.0.1", server.socket().getLocalPort());
					accepted[i] = server.accept();
					accepted[i].configureBlocking(false);
					accepted[i].register(selector, SelectionKey.OP_READ, i);
				}
				long[] seen = new long[n];
				Thread watcher = new Thread(() -> {
					try {
						int count = 0;
						while (count < n) {
							selector.select();
							long now = System.nanoTime();
							for (SelectionKey key : selector.selectedKeys()) {
								seen[(Integer) key.attachment()] = now;
								key.cancel();
								count++;
							}
							selector.selectedKeys().clear();
						}
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				});
				watcher.start();
				Thread.sleep(200);
				long[] closed = new long[n];
				for (int i = 0; i < n; i++) {
					closed[i] = System.nanoTime();
					clients[i].close();
				}
				watcher.join(10_000);
				double[] latency = new double[n];
				for (int i = 0; i < n; i++) {
					latency[i] = (seen[i] - closed[i]) / 1e6;
				}
				Arrays.sort(latency);
				System.out.printf(Locale.ROOT, "burst %d: %d closes in %.2f ms; close -> seen p50 %.2f / p99 %.2f / max %.2f ms%n",
						burst, n, (closed[n - 1] - closed[0]) / 1e6, latency[n / 2], latency[(int) Math.ceil(0.99 * n) - 1],
						latency[n - 1]);
				for (SocketChannel channel : accepted) {
					channel.close();
				}
				selector.selectNow();
			}
		}
	}

}
