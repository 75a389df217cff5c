/*
 * Disconnect-detection benchmark: run by ./detection-latency (which builds the class path
 * and raises the open-file limit). Plain JDK, single-file launcher.
 *
 * For each container (Tomcat, then Jetty) it starts the bench application
 * (io.github.connectionhandling.bench.BenchApp from the autoconfigure test classes), holds
 * N requests in flight on N loopback connections, closes all connections at once and reads
 * back when the server detected each abort and ran its close callback. Both sides use
 * System.nanoTime(), which is CLOCK_MONOTONIC on Linux: one clock for both processes.
 * With 2,000 idle long-polls (DeferredResult) in flight it also measures the CPU time of
 * the 'connection-handling-detector' thread, from /proc/<pid>/task/<tid>/stat (the tid
 * from jcmd Thread.print), before closing them.
 */

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DetectionLatency {

	static final Pattern NID = Pattern.compile("nid=(0x[0-9a-fA-F]+|[0-9]+)");

	static final Pattern CPU = Pattern.compile("cpu=([0-9.]+)ms");

	static String classpath;

	static int blocking = 200;

	/** Long-poll bursts per round, e.g. 2,000 then 10,000 ({@code --deferred=2000,10000}). */
	static List<Integer> deferred = List.of(2000);

	static int idleSeconds = 10;

	static int rounds = 5;

	/** Bursts after round 1 that are run but not counted, while the JIT compiles the departure path. */
	static int warmup = 0;

	static boolean raw;

	static List<String> serverJvmArgs = List.of();

	static final List<String> table = new ArrayList<>();

	static final List<String> summary = new ArrayList<>();

	static final List<String> cpus = new ArrayList<>();

	public static void main(String[] args) throws Exception {
		classpath = args[0];
		List<String> containers = new ArrayList<>(List.of("tomcat", "jetty"));
		for (int i = 1; i < args.length; i++) {
			String[] kv = args[i].split("=", 2);
			switch (kv[0]) {
				case "--blocking" -> blocking = Integer.parseInt(kv[1]);
				case "--deferred" -> deferred = Arrays.stream(kv[1].split(",")).map(Integer::valueOf).toList();
				case "--idle-seconds" -> idleSeconds = Integer.parseInt(kv[1]);
				case "--rounds" -> rounds = Math.max(1, Integer.parseInt(kv[1]));
				case "--warmup" -> warmup = Math.max(0, Integer.parseInt(kv[1]));
				case "--raw" -> raw = true;
				case "--containers" -> containers = List.of(kv[1].split(","));
				case "--server-jvm-args" -> serverJvmArgs = List.of(kv[1].trim().split("\\s+"));
				default -> throw new IllegalArgumentException("Unknown option " + args[i]);
			}
		}
		long clockTicks = Long.parseLong(run("getconf", "CLK_TCK").trim());
		System.out.printf(Locale.ROOT, "JDK %s, %d CPUs, open-file limit %s, load average %s%n",
				System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
				run("sh", "-c", "ulimit -n").trim(), loadAverage());
		for (String container : containers) {
			try (Server server = Server.start(container)) {
				System.out.println(container + ": server pid " + server.process.pid() + " on port " + server.port);
				// Round 1 is the server's first burst of aborts (code paths still interpreted,
				// call sites not yet linked); later rounds show the steady state, after the
				// warm-up rounds (listed, not counted) in which the JIT compiles the rest.
				String cpu = "";
				List<Latency> blocks = new ArrayList<>();
				List<List<Latency>> polls = new ArrayList<>();
				deferred.forEach((n) -> polls.add(new ArrayList<>()));
				for (int round = 1; round <= rounds + warmup; round++) {
					boolean counted = round == 1 || round > 1 + warmup;
					String mark = counted ? "" : "  warm-up";
					Latency block = latency(server, "/bench/block", blocking, 0, clockTicks);
					table.add(row(container, "blocking", blocking, round, block) + mark);
					if (counted) {
						blocks.add(block);
					}
					for (int i = 0; i < deferred.size(); i++) {
						// The idle CPU sample is taken once, with the first burst size.
						boolean sample = round == 1 && i == 0;
						Latency poll = latency(server, "/bench/deferred", deferred.get(i), sample ? idleSeconds : 0,
								clockTicks);
						table.add(row(container, "DeferredResult", deferred.get(i), round, poll) + mark);
						if (counted) {
							polls.get(i).add(poll);
						}
						cpu = sample ? poll.cpu : cpu;
					}
				}
				summary.add(summary(container, "blocking", blocking, blocks));
				for (int i = 0; i < deferred.size(); i++) {
					summary.add(summary(container, "DeferredResult", deferred.get(i), polls.get(i)));
				}
				cpus.add(String.format(Locale.ROOT, "%-7s detector CPU with %d idle long-polls over %d s: %s", container,
						deferred.get(0), idleSeconds, cpu));
			}
		}
		System.out.println();
		System.out.printf(Locale.ROOT, "%-7s %-15s %6s %5s  %-26s  %-26s  %10s  %12s  %10s  %s%n", "server", "handler",
				"N", "round", "detected p50/p99/max ms", "callback p50/p99/max ms", "all in ms", "closing ms",
				"after ms", "missed");
		table.forEach(System.out::println);
		System.out.println();
		System.out.println("Summary: client close -> close callback, p99 of each burst (round 1 = the server's first burst)");
		System.out.printf(Locale.ROOT, "%-7s %-15s %6s  %12s  %-34s  %16s  %20s  %s%n", "server", "handler", "N",
				"round 1 p99", "later rounds p99 median (min-max)", "all in median", "after last close", "missed");
		summary.forEach(System.out::println);
		cpus.forEach(System.out::println);
		System.out.println("load average at the end: " + loadAverage());
	}

	static String loadAverage() throws IOException {
		String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
		return fields[0] + " " + fields[1] + " " + fields[2];
	}

	static String row(String container, String handler, int n, int round, Latency latency) {
		return String.format(Locale.ROOT, "%-7s %-15s %6d %5d  %-26s  %-26s  %10.1f  %12.1f  %10.1f  %d", container,
				handler, n, round, latency.detected, latency.callback, latency.allWithinMillis, latency.closingMillis,
				latency.allWithinMillis - latency.closingMillis, latency.missed);
	}

	static String summary(String container, String handler, int n, List<Latency> rounds) {
		double first = rounds.get(0).callbackP99;
		double[] later = rounds.stream().skip(1).mapToDouble(Latency::callbackP99).sorted().toArray();
		double[] allIn = rounds.stream().skip(1).mapToDouble(Latency::allWithinMillis).sorted().toArray();
		double[] after = rounds.stream().skip(1).mapToDouble((l) -> l.allWithinMillis - l.closingMillis).sorted().toArray();
		int missed = rounds.stream().mapToInt(Latency::missed).sum();
		String laterText = (later.length == 0) ? "-"
				: String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median(later), later[0], later[later.length - 1]);
		return String.format(Locale.ROOT, "%-7s %-15s %6d  %12.2f  %-34s  %16.1f  %20.1f  %d", container, handler, n,
				first, laterText, (allIn.length == 0) ? Double.NaN : median(allIn),
				(after.length == 0) ? Double.NaN : median(after), missed);
	}

	static double median(double[] sorted) {
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	record Latency(String detected, String callback, double callbackP99, double allWithinMillis, double closingMillis,
			int missed,
			String cpu) {
	}

	static Latency latency(Server server, String path, int n, int idleSeconds, long clockTicks) throws Exception {
		server.request("DELETE", "/bench/closed");
		Socket[] sockets = new Socket[n];
		byte[][] requests = new byte[n][];
		for (int i = 0; i < n; i++) {
			requests[i] = ("GET " + path + "?id=" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII);
		}
		try {
			for (int i = 0; i < n; i++) {
				Socket socket = new Socket();
				socket.connect(new InetSocketAddress("127.0.0.1", server.port), 10_000);
				socket.getOutputStream().write(requests[i]);
				sockets[i] = socket;
			}
			awaitInFlight(server, n, 60);
			// Let every watch be armed (the arm delay is a few milliseconds).
			Thread.sleep(1000);
			String cpu = (idleSeconds > 0) ? detectorCpu(server, idleSeconds, clockTicks) : "";
			if (!server.isGo) {
				// Collected first, as a real server's long-polls have sat through collections
				// before their clients leave: otherwise the young collection that copies the
				// thousands of connections just set up (hundreds of ms on 2 CPUs, on any JVM
				// server) falls into the burst.
				run(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
						Long.toString(server.process.pid()), "GC.run");
				Thread.sleep(500);
			}
			long[] closedAt = new long[n];
			for (int i = 0; i < n; i++) {
				closedAt[i] = System.nanoTime();
				sockets[i].close();
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
			String[] lines;
			do {
				Thread.sleep(200);
				String body = server.request("GET", "/bench/closed");
				lines = body.isBlank() ? new String[0] : body.split("\n");
			}
			while (lines.length < n && System.nanoTime() < deadline);
			double[] detected = new double[lines.length];
			double[] callback = new double[lines.length];
			long lastCallback = Long.MIN_VALUE;
			for (int i = 0; i < lines.length; i++) {
				String[] fields = lines[i].trim().split(" ");
				long closed = closedAt[Integer.parseInt(fields[0])];
				detected[i] = (Long.parseLong(fields[1]) - closed) / 1e6;
				callback[i] = (Long.parseLong(fields[2]) - closed) / 1e6;
				lastCallback = Math.max(lastCallback, Long.parseLong(fields[2]));
			}
			awaitInFlight(server, 0, 30);
			if (raw) {
				// Every close and the server's times, for a closer look at one burst.
				StringBuilder out = new StringBuilder();
				for (int i = 0; i < n; i++) {
					out.append("CLOSE ").append(closedAt[i]).append(' ').append(i).append('\n');
				}
				for (String line : lines) {
					out.append("SERVER ").append(line.trim()).append('\n');
				}
				Files.writeString(Path.of("bench", "target", "raw-" + server.name + "-" + path.substring(7) + "-" + System.nanoTime() + ".txt"), out);
			}
			double all = (lines.length == 0) ? Double.NaN : (lastCallback - closedAt[0]) / 1e6;
			double p99 = (callback.length == 0) ? Double.NaN : at(sorted(callback), 0.99);
			return new Latency(percentiles(detected), percentiles(callback), p99, all, (closedAt[n - 1] - closedAt[0]) / 1e6,
					n - lines.length, cpu);
		}
		finally {
			for (Socket socket : sockets) {
				if (socket != null) {
					socket.close();
				}
			}
		}
	}

	static String percentiles(double[] values) {
		if (values.length == 0) {
			return "-";
		}
		double[] sorted = sorted(values);
		return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", at(sorted, 0.50), at(sorted, 0.99),
				sorted[sorted.length - 1]);
	}

	static double[] sorted(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted;
	}

	static double at(double[] sorted, double quantile) {
		int index = (int) Math.ceil(quantile * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	static void awaitInFlight(Server server, int n, int seconds) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		String last = "?";
		while (System.nanoTime() < deadline) {
			try {
				last = server.request("GET", "/bench/inflight").trim();
			}
			catch (SocketTimeoutException ex) {
				// Queued behind thousands of requests being accepted: ask again.
				continue;
			}
			if (Integer.parseInt(last) == n) {
				return;
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("Expected " + n + " requests in flight, found " + last);
	}

	/** CPU of the detector thread over an idle period, from /proc and from jcmd. */
	static String detectorCpu(Server server, int seconds, long clockTicks) throws Exception {
		if (server.isGo) {
			long processBefore = ticks(Path.of("/proc/" + server.process.pid() + "/stat"));
			long start = System.nanoTime();
			Thread.sleep(seconds * 1000L);
			long processAfter = ticks(Path.of("/proc/" + server.process.pid() + "/stat"));
			double elapsed = (System.nanoTime() - start) / 1e9;
			return String.format(Locale.ROOT, "(one goroutine per connection) whole server %.2f %% of a core",
					100.0 * (processAfter - processBefore) / clockTicks / elapsed);
		}
		String before = detectorLine(server);
		Matcher nid = NID.matcher(before);
		if (!nid.find()) {
			return "detector thread not found";
		}
		String raw = nid.group(1);
		long tid = raw.startsWith("0x") ? Long.parseLong(raw.substring(2), 16) : Long.parseLong(raw);
		Path stat = Path.of("/proc/" + server.process.pid() + "/task/" + tid + "/stat");
		long ticksBefore = ticks(stat);
		long processBefore = ticks(Path.of("/proc/" + server.process.pid() + "/stat"));
		long start = System.nanoTime();
		Thread.sleep(seconds * 1000L);
		long ticksAfter = ticks(stat);
		long processAfter = ticks(Path.of("/proc/" + server.process.pid() + "/stat"));
		double elapsed = (System.nanoTime() - start) / 1e9;
		String after = detectorLine(server);
		double jcmdMillis = cpuMillis(after) - cpuMillis(before);
		double procPercent = 100.0 * (ticksAfter - ticksBefore) / clockTicks / elapsed;
		double processPercent = 100.0 * (processAfter - processBefore) / clockTicks / elapsed;
		return String.format(Locale.ROOT,
				"%.3f %% of a core (/proc: %d ticks of 1/%d s; jcmd: %.1f ms CPU); whole server %.2f %%", procPercent,
				ticksAfter - ticksBefore, clockTicks, jcmdMillis, processPercent);
	}

	static String detectorLine(Server server) throws Exception {
		Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
		for (String line : run(jcmd.toString(), Long.toString(server.process.pid()), "Thread.print").split("\n")) {
			if (line.startsWith("\"connection-handling-detector\"")) {
				return line;
			}
		}
		return "";
	}

	static double cpuMillis(String threadLine) {
		Matcher matcher = CPU.matcher(threadLine);
		return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
	}

	/** utime + stime of a /proc stat file. */
	static long ticks(Path stat) throws IOException {
		String content = Files.readString(stat);
		String[] fields = content.substring(content.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

	static String run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("Timed out: " + String.join(" ", command));
		}
		return output;
	}

	static final class Server implements AutoCloseable {

		final Process process;

		final int port;

		final String name;

		final boolean isGo;

		Server(Process process, int port, String name) {
			this.process = process;
			this.port = port;
			this.name = name;
			this.isGo = name.equals("go");
		}

		static Server start(String container) throws Exception {
			int port;
			try (ServerSocket free = new ServerSocket(0)) {
				port = free.getLocalPort();
			}
			Path java = Path.of(System.getProperty("java.home"), "bin", "java");
			Path log = Path.of("bench", "target", "server-" + container + ".log");
			Files.createDirectories(log.getParent());
			List<String> command = new ArrayList<>();
			if (container.equals("go")) {
				// The reference line: Go's net/http (bench/go-reference, built by the script).
				command.addAll(List.of(Path.of("bench", "target", "go-reference").toString(), "-port", Integer.toString(port)));
			}
			else {
				command.addAll(List.of(java.toString(), "-Xmx4g"));
				command.addAll(serverJvmArgs);
				command.addAll(List.of("-cp", classpath, "io.github.connectionhandling.bench.BenchApp", container,
						"--server.port=" + port));
			}
			Process process = new ProcessBuilder(command)
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			Server server = new Server(process, port, container);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
			while (true) {
				try {
					server.request("GET", "/bench/inflight");
					return server;
				}
				catch (IOException ex) {
					if (!process.isAlive() || System.nanoTime() > deadline) {
						server.close();
						throw new IllegalStateException("Server did not start; see " + log, ex);
					}
					Thread.sleep(250);
				}
			}
		}

		/** One request on its own connection; returns the body. */
		String request(String method, String path) throws IOException {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
				socket.setSoTimeout(10_000);
				OutputStream out = socket.getOutputStream();
				out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				InputStream in = socket.getInputStream();
				ByteArrayOutputStream read = new ByteArrayOutputStream();
				in.transferTo(read);
				String response = read.toString(StandardCharsets.ISO_8859_1);
				int body = response.indexOf("\r\n\r\n");
				if (!response.startsWith("HTTP/1.1 2") || body < 0) {
					throw new IOException("Unexpected response to " + path + ": " + response);
				}
				String rest = response.substring(body + 4);
				return response.substring(0, body).toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")
						? dechunk(rest) : rest;
			}
		}

		static String dechunk(String chunked) {
			StringBuilder out = new StringBuilder();
			int at = 0;
			while (at < chunked.length()) {
				int eol = chunked.indexOf("\r\n", at);
				int size = Integer.parseInt(chunked.substring(at, eol).trim(), 16);
				if (size == 0) {
					break;
				}
				out.append(chunked, eol + 2, eol + 2 + size);
				at = eol + 2 + size + 2;
			}
			return out.toString();
		}

		@Override
		public void close() {
			this.process.destroy();
			try {
				if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.process.destroyForcibly();
			}
		}

	}

}
