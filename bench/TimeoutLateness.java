import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How far past its time limit a client is answered, for N concurrent requests that all
 * run out of time. Run with the JDK's single-file launcher:
 *
 * java bench/TimeoutLateness.java PORT PATH LIMIT_MS [CONCURRENCY]
 *
 * Connects all sockets first, then sends every request at once; lateness is the time from
 * sending to the end of the response head, less the limit. Prints one line:
 * label n p50 p90 p99 max (ms) and the statuses seen.
 */
public class TimeoutLateness {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		String path = args[1];
		long limitMillis = Long.parseLong(args[2]);
		int concurrency = (args.length > 3) ? Integer.parseInt(args[3]) : 200;
		List<Socket> sockets = new ArrayList<>();
		for (int i = 0; i < concurrency; i++) {
			Socket socket = new Socket();
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			socket.setSoTimeout(30000);
			sockets.add(socket);
		}
		double[] lateness = new double[concurrency];
		int[] statuses = new int[concurrency];
		CountDownLatch ready = new CountDownLatch(concurrency);
		CountDownLatch go = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(concurrency);
		byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.ISO_8859_1);
		for (int i = 0; i < concurrency; i++) {
			int index = i;
			Thread thread = new Thread(() -> {
				Socket socket = sockets.get(index);
				try {
					OutputStream out = socket.getOutputStream();
					InputStream in = socket.getInputStream();
					ready.countDown();
					go.await();
					long sent = System.nanoTime();
					out.write(request);
					out.flush();
					StringBuilder head = new StringBuilder();
					int c;
					while ((c = in.read()) >= 0) {
						head.append((char) c);
						if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
							break;
						}
					}
					long answered = System.nanoTime();
					lateness[index] = (answered - sent) / 1e6 - limitMillis;
					statuses[index] = (head.length() >= 12) ? Integer.parseInt(head.substring(9, 12)) : -1;
				}
				catch (IOException | InterruptedException | RuntimeException ex) {
					lateness[index] = Double.NaN;
					statuses[index] = -1;
				}
				finally {
					done.countDown();
					try {
						socket.close();
					}
					catch (IOException ex) {
						// ignore
					}
				}
			});
			thread.setDaemon(true);
			thread.start();
		}
		ready.await();
		go.countDown();
		if (!done.await(60, TimeUnit.SECONDS)) {
			System.out.println("not all answered within 60 s");
		}
		double[] ok = Arrays.stream(lateness).filter((value) -> !Double.isNaN(value)).sorted().toArray();
		Map<Integer, Integer> byStatus = new TreeMap<>();
		for (int status : statuses) {
			byStatus.merge(status, 1, Integer::sum);
		}
		System.out.printf("%d %.1f %.1f %.1f %.1f %s%n", ok.length, percentile(ok, 50), percentile(ok, 90),
				percentile(ok, 99), (ok.length > 0) ? ok[ok.length - 1] : Double.NaN, byStatus);
	}

	private static double percentile(double[] sorted, double p) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

}
