import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * HTTP/2 rows of bench/detection-latency: N streams in flight are reset at once
 * (RST_STREAM CANCEL, the JDK client cancelling its exchanges), all on one h2 connection
 * or one per connection, over TLS; the server reports when each close callback ran (Go:
 * when the request's context was cancelled). Tomcat and Jetty run the bench application
 * with the starter; Go's net/http is the reference line. Every wait is bounded.
 * Arguments: class path, cert PEM, key PEM, then --streams=20 --connections=100 --rounds=3
 * --containers=tomcat,jetty,go
 */
public class H2ResetLatency {

	static String classpath;

	public static void main(String[] args) throws Exception {
		System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
		classpath = args[0];
		String cert = args[1];
		String key = args[2];
		// Tomcat runs at most 20 streams of one connection at a time (Http2Protocol's
		// maxConcurrentStreamExecution): more would wait, not be in flight.
		int streams = 20;
		int connections = 100;
		int rounds = 3;
		List<String> containers = List.of("tomcat", "jetty", "go");
		for (String arg : Arrays.copyOfRange(args, 3, args.length)) {
			if (arg.startsWith("--streams=")) {
				streams = Integer.parseInt(arg.substring(10));
			}
			else if (arg.startsWith("--connections=")) {
				connections = Integer.parseInt(arg.substring(14));
			}
			else if (arg.startsWith("--rounds=")) {
				rounds = Integer.parseInt(arg.substring(9));
			}
			else if (arg.startsWith("--containers=")) {
				containers = List.of(arg.substring(13).split(","));
			}
		}
		List<String> rows = new ArrayList<>();
		for (String container : containers) {
			if (container.isBlank()) {
				continue;
			}
			Server server = Server.start(container, cert, key);
			try {
				List<double[]> one = new ArrayList<>();
				List<double[]> many = new ArrayList<>();
				for (int round = 1; round <= rounds; round++) {
					one.add(burst(server, streams, true));
					many.add(burst(server, connections, false));
					System.err.printf(Locale.ROOT, "%s round %d: one connection %s, many %s%n", container, round,
							Arrays.toString(one.get(round - 1)), Arrays.toString(many.get(round - 1)));
				}
				rows.add(String.format(Locale.ROOT, "| %s | %s | %s |", label(container), summary(one), summary(many)));
			}
			finally {
				server.close();
			}
		}
		System.out.println();
		System.out.printf("| server | %d streams reset at once on one h2 connection: callback p50 / p99 ms after the first reset (missed) | %d h2 connections, one stream each reset at once: p50 / p99 ms after its reset (missed) |%n",
				streams, connections);
		System.out.println("|---|---:|---:|");
		rows.forEach(System.out::println);
	}

	static String label(String container) {
		return switch (container) {
			case "tomcat" -> "Tomcat";
			case "jetty" -> "Jetty";
			default -> "Go `net/http`";
		};
	}

	/** Median over rounds of each round's p50 and p99, and the missed callbacks in all rounds. */
	static String summary(List<double[]> rounds) {
		double[] p50 = rounds.stream().mapToDouble((r) -> r[0]).sorted().toArray();
		double[] p99 = rounds.stream().mapToDouble((r) -> r[1]).sorted().toArray();
		int missed = (int) rounds.stream().mapToDouble((r) -> r[2]).sum();
		return String.format(Locale.ROOT, "%.2f / %.2f (%d)", p50[p50.length / 2], p99[p99.length / 2], missed);
	}

	/** One burst: returns {p50, p99, missed}. */
	static double[] burst(Server server, int n, boolean oneConnection) throws Exception {
		server.get("DELETE", "/bench/closed");
		HttpClient shared = oneConnection ? h2Client() : null;
		if (shared != null) {
			shared.send(server.request("GET", "/bench/inflight"), BodyHandlers.ofString()); // open the connection
		}
		List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			HttpClient client = (shared != null) ? shared : h2Client();
			futures.add(client.sendAsync(server.request("GET", "/bench/block?id=" + i), BodyHandlers.ofString()));
		}
		awaitInFlight(server, n, 60);
		Thread.sleep(500);
		long[] resetAt = new long[n];
		for (int i = 0; i < n; i++) {
			resetAt[i] = System.nanoTime();
			futures.get(i).cancel(true);
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		String[] lines;
		do {
			Thread.sleep(200);
			String body = server.get("GET", "/bench/closed");
			lines = body.isBlank() ? new String[0] : body.split("\n");
		}
		while (lines.length < n && System.nanoTime() < deadline);
		double[] callback = new double[lines.length];
		for (int i = 0; i < lines.length; i++) {
			String[] fields = lines[i].trim().split(" ");
			// One connection: from the burst's first reset, since a server may end a stream
			// before the client has reset it (Tomcat did). Many connections: from each
			// stream's own reset.
			int id = Integer.parseInt(fields[0]);
			callback[i] = (Long.parseLong(fields[2]) - resetAt[oneConnection ? 0 : id]) / 1e6;
		}
		awaitInFlight(server, 0, 30);
		Arrays.sort(callback);
		return new double[] { at(callback, 0.5), at(callback, 0.99), n - lines.length };
	}

	static double at(double[] sorted, double quantile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(quantile * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	static void awaitInFlight(Server server, int n, int seconds) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		String last = "?";
		while (System.nanoTime() < deadline) {
			last = server.get("GET", "/bench/inflight").trim();
			if (Integer.parseInt(last) == n) {
				return;
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException(server.name + ": " + last + " in flight, expected " + n);
	}

	static HttpClient h2Client() throws Exception {
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, new TrustManager[] { new TrustAll() }, null);
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_2)
			.sslContext(context)
			.connectTimeout(Duration.ofSeconds(10))
			.build();
	}

	static final class Server implements AutoCloseable {

		final Process process;

		final int port;

		final String name;

		final HttpClient control;

		Server(Process process, int port, String name) throws Exception {
			this.process = process;
			this.port = port;
			this.name = name;
			this.control = h2Client();
		}

		static Server start(String container, String cert, String key) throws Exception {
			int port;
			try (ServerSocket free = new ServerSocket(0)) {
				port = free.getLocalPort();
			}
			Path log = Path.of("bench", "target", "server-h2-" + container + ".log");
			Files.createDirectories(log.getParent());
			List<String> command = new ArrayList<>();
			if (container.equals("go")) {
				command.addAll(List.of(Path.of("bench", "target", "go-reference").toString(), "-port",
						Integer.toString(port), "-tls-cert", cert, "-tls-key", key));
			}
			else {
				Path java = Path.of(System.getProperty("java.home"), "bin", "java");
				command.addAll(List.of(java.toString(), "-Xmx1g", "-cp", classpath,
						"io.github.connectionhandling.bench.BenchApp", container, "--server.port=" + port,
						"--server.http2.enabled=true", "--server.ssl.certificate=file:" + cert,
						"--server.ssl.certificate-private-key=file:" + key));
			}
			Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
			Server server = new Server(process, port, container);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
			while (true) {
				try {
					server.get("GET", "/bench/inflight");
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

		HttpRequest request(String method, String path) {
			return request(method, path, Duration.ofSeconds(120));
		}

		HttpRequest request(String method, String path, Duration timeout) {
			return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + this.port + path))
				.method(method, HttpRequest.BodyPublishers.noBody())
				.timeout(timeout)
				.build();
		}

		String get(String method, String path) throws Exception {
			HttpResponse<String> response = this.control.send(request(method, path, Duration.ofSeconds(10)),
					BodyHandlers.ofString());
			if (response.statusCode() / 100 != 2) {
				throw new IOException(path + ": " + response.statusCode());
			}
			return response.body();
		}

		@Override
		public void close() throws Exception {
			this.process.destroy();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}

	}

	static final class TrustAll implements X509TrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

}
