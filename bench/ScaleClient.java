import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scale benchmark's client (run by bench/scale): holds N DeferredResult long polls of the
 * sample app open over plain loopback sockets, measures the detector's idle CPU at the largest
 * N, then closes all N at once and measures how long until the server has seen every abort.
 * Writes a Markdown table and an SVG chart. With "heap-only" it measures the heap per open
 * long poll instead (bench/scale runs that with the starter on and off).
 *
 *   java bench/ScaleClient.java <port> <idleSeconds> <outDir> N1 N2 ...
 *   java bench/ScaleClient.java <port> heap-only N
 */
public class ScaleClient {

	static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5)).build();

	static int port;

	public static void main(String[] args) throws Exception {
		port = Integer.parseInt(args[0]);
		if (args[1].equals("heap-only")) {
			heapOnly(Integer.parseInt(args[2]));
			return;
		}
		int idleSeconds = Integer.parseInt(args[1]);
		Path out = Path.of(args[2]);
		List<Integer> sizes = new ArrayList<>();
		for (int i = 3; i < args.length; i++) {
			sizes.add(Integer.parseInt(args[i]));
		}
		long pid = Long.parseLong(field(get("/bench/stats"), "pid"));
		List<String[]> rows = new ArrayList<>();
		StringBuilder report = new StringBuilder();
		int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
		for (int n : sizes) {
			post("/bench/reset");
			awaitActive(0, Duration.ofSeconds(60));
			boolean full = n == largest;
			List<Socket> sockets = open(n);
			awaitActive(n, Duration.ofSeconds(120));
			if (full) {
				long cpuBefore = detectorCpuMillis(pid);
				Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
				long cpuAfter = detectorCpuMillis(pid);
				report.append(String.format(Locale.ROOT, "- detector thread CPU while %,d long polls sat idle for %d s: "
						+ "**%d ms** (%.3f %% of one core)%n", n, idleSeconds, cpuAfter - cpuBefore,
						100.0 * (cpuAfter - cpuBefore) / (idleSeconds * 1000.0)));
			}
			long since = epochMicros();
			long t0 = System.nanoTime();
			for (Socket socket : sockets) {
				socket.close();
			}
			long closedAllNanos = System.nanoTime() - t0;
			awaitActive(0, Duration.ofSeconds(120));
			long emptyMillis = (System.nanoTime() - t0) / 1_000_000;
			String closes = get("/bench/closes?since=" + since);
			String[] row = { String.valueOf(n), String.format(Locale.ROOT, "%.1f", closedAllNanos / 1e6),
					String.valueOf(emptyMillis), String.format(Locale.ROOT, "%.1f", micros(closes, "p50Micros") / 1000.0),
					String.format(Locale.ROOT, "%.1f", micros(closes, "p99Micros") / 1000.0),
					String.format(Locale.ROOT, "%.1f", micros(closes, "maxMicros") / 1000.0), field(closes, "count"),
					load() };
			rows.add(row);
			System.out.println("N=" + n + " closing took " + row[1] + " ms, registry empty after " + emptyMillis
					+ " ms, close callbacks p50 " + row[3] + " ms p99 " + row[4] + " ms max " + row[5] + " ms ("
					+ row[6] + " callbacks), load " + row[7]);
		}
		StringBuilder table = new StringBuilder(
				"| N in flight | client closed all in (ms) | registry empty after (ms) | close callback p50 (ms) | p99 (ms) | max (ms) | callbacks | load average |\n"
						+ "|---:|---:|---:|---:|---:|---:|---:|---|\n");
		for (String[] row : rows) {
			table.append("| ").append(String.join(" | ", row)).append(" |\n");
		}
		Files.createDirectories(out);
		Files.writeString(out.resolve("scale-results.md"), report + "\n" + table);
		Files.writeString(out.resolve("detection-latency.svg"), svg(rows));
		System.out.print(report + "\n" + table);
	}

	/** Heap per long poll on an app whose registry may not count them (starter disabled). */
	static void heapOnly(int n) throws Exception {
		// Warm up first, as the measured run is warmed by its smaller rounds. Without the
		// starter a long poll whose client left is never ended, so these stay open.
		List<Socket> warm = open(Math.max(100, n / 10));
		Thread.sleep(3000);
		long before = Long.parseLong(field(post("/bench/gc"), "heapUsed"));
		List<Socket> sockets = open(n);
		try {
			awaitActive(n + warm.size(), Duration.ofSeconds(20));
		}
		catch (IllegalStateException ex) {
			Thread.sleep(5000); // not counted: give the server time to take them all
		}
		long after = Long.parseLong(field(post("/bench/gc"), "heapUsed"));
		System.out.printf(Locale.ROOT, "heap after GC: %,d bytes with %,d long polls open, %,d with %,d more: "
				+ "%,d bytes per long poll%n", before, warm.size(), after, n, (after - before) / n);
		// The starter's own objects, by class (shallow sizes, as jmap counts them).
		long pid = Long.parseLong(field(get("/bench/stats"), "pid"));
		Process jmap = new ProcessBuilder("jmap", "-histo:live", String.valueOf(pid)).redirectErrorStream(true).start();
		long ours = 0;
		long instances = 0;
		for (String line : new String(jmap.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
			if (line.contains("io.github.connectionhandling") && !line.contains("sample.")) {
				String[] cols = line.trim().split("\\s+");
				instances += Long.parseLong(cols[1]);
				ours += Long.parseLong(cols[2]);
			}
		}
		System.out.printf(Locale.ROOT, "objects of the starter's classes: %,d instances, %,d bytes shallow, "
				+ "%,d bytes per open long poll%n", instances, ours, ours / (n + warm.size()));
		for (Socket socket : sockets) {
			socket.close();
		}
		for (Socket socket : warm) {
			socket.close();
		}
	}

	/** Open n long polls; each socket sends its request and is left open. */
	static List<Socket> open(int n) throws IOException {
		List<Socket> sockets = new ArrayList<>(n);
		byte[] request = "GET /bench/longpoll HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
		for (int i = 0; i < n; i++) {
			Socket socket = new Socket();
			socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
			socket.getOutputStream().write(request);
			sockets.add(socket);
		}
		return sockets;
	}

	static void awaitActive(int expected, Duration limit) throws Exception {
		long deadline = System.nanoTime() + limit.toNanos();
		while (true) {
			// The stats request itself is in flight while it counts.
			int active = Integer.parseInt(field(get("/bench/stats"), "active")) - 1;
			if ((expected == 0) ? active <= 0 : active >= expected) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("active " + active + ", expected " + expected + " within " + limit);
			}
			Thread.sleep(expected == 0 ? 2 : 100);
		}
	}

	/** utime + stime of the thread named connection-handling-detector, in ms. */
	static long detectorCpuMillis(long pid) throws IOException {
		try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
			for (Path task : tasks.toList()) {
				String comm = Files.readString(task.resolve("comm")).trim();
				// Linux keeps 15 characters of a thread's name.
				if ("connection-handling-detector".startsWith(comm) && comm.length() >= 15) {
					String stat = Files.readString(task.resolve("stat"));
					String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
					long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
					return ticks * 10; // USER_HZ = 100 on Linux
				}
			}
		}
		throw new IllegalStateException("no connection-handling-detector thread in " + pid);
	}

	static String svg(List<String[]> rows) {
		int w = 640, h = 400, left = 70, bottom = 50, top = 40, right = 150;
		double maxN = rows.stream().mapToDouble((r) -> Double.parseDouble(r[0])).max().orElse(1);
		double maxY = rows.stream().mapToDouble((r) -> Math.max(Double.parseDouble(r[2]), Double.parseDouble(r[4])))
			.max().orElse(1) * 1.1;
		StringBuilder s = new StringBuilder();
		s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h
				+ "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
		s.append("<text x=\"" + (w / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">Detection latency when all N clients leave at once</text>\n");
		s.append(line(left, h - bottom, w - right, h - bottom, "black") + line(left, top, left, h - bottom, "black"));
		for (int i = 0; i <= 5; i++) {
			double y = h - bottom - i * (h - bottom - top) / 5.0;
			s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", left - 6,
					y + 4, maxY * i / 5));
			s.append(line(left, y, w - right, y, "#eee"));
		}
		for (String[] r : rows) {
			double x = left + Double.parseDouble(r[0]) / maxN * (w - left - right);
			s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
					h - bottom + 16, r[0]));
		}
		s.append("<text x=\"" + ((w - right + left) / 2) + "\" y=\"" + (h - 12)
				+ "\" text-anchor=\"middle\">N requests in flight (DeferredResult long polls)</text>\n");
		s.append("<text transform=\"rotate(-90)\" x=\"" + (-(h - bottom + top) / 2) + "\" y=\"18\" text-anchor=\"middle\">ms after the clients closed</text>\n");
		String[][] series = { { "2", "registry empty", "#d62728" }, { "4", "close callback p99", "#1f77b4" },
				{ "3", "close callback p50", "#2ca02c" } };
		int legend = 0;
		for (String[] serie : series) {
			int column = Integer.parseInt(serie[0]);
			StringBuilder points = new StringBuilder();
			for (String[] r : rows) {
				double x = left + Double.parseDouble(r[0]) / maxN * (w - left - right);
				double y = h - bottom - Double.parseDouble(r[column]) / maxY * (h - bottom - top);
				points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
				s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, serie[2]));
			}
			s.append("<polyline fill=\"none\" stroke=\"" + serie[2] + "\" stroke-width=\"2\" points=\"" + points + "\"/>\n");
			int ly = top + 10 + legend++ * 18;
			s.append(line(w - right + 10, ly, w - right + 30, ly, serie[2]));
			s.append("<text x=\"" + (w - right + 35) + "\" y=\"" + (ly + 4) + "\">" + serie[1] + "</text>\n");
		}
		return s.append("</svg>\n").toString();
	}

	static String line(double x1, double y1, double x2, double y2, String color) {
		return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n", x1, y1,
				x2, y2, color);
	}

	static long micros(String json, String name) {
		return Long.parseLong(field(json, name));
	}

	static String field(String json, String name) {
		Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"?(-?[0-9.]+)").matcher(json);
		if (!m.find()) {
			throw new IllegalStateException("no " + name + " in " + json);
		}
		return m.group(1);
	}

	static String load() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
			return parts[0] + " " + parts[1] + " " + parts[2];
		}
		catch (IOException ex) {
			return "?";
		}
	}

	static long epochMicros() {
		Instant now = Instant.now();
		return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
	}

	static String get(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
	}

	static String post(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.POST(HttpRequest.BodyPublishers.noBody()));
	}

	static String send(HttpRequest.Builder request) throws Exception {
		HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
				HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException(response.statusCode() + " " + response.body());
		}
		return response.body();
	}

}
