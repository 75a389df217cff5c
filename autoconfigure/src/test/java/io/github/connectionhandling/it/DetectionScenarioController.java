package io.github.connectionhandling.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.container.ServerConnections;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints the disconnect-detection tests need beyond {@link ScenarioController}; each
 * records what happens to it under its tag.
 */
@RestController
public class DetectionScenarioController {

	private final Events events;

	private final ServerConnections connections;

	public DetectionScenarioController(Events events, ServerConnections connections) {
		this.events = events;
		this.connections = connections;
	}

	private void track(ConnectionStatus status, String tag) {
		this.events.add(tag, "started");
		this.events.add(tag, "thread:" + Thread.currentThread().getName());
		status.onClose((s) -> this.events.add(tag, "close:" + s.bits() + ":" + Thread.currentThread().getName()));
		status.onShutdown((s) -> this.events.add(tag, "shutdown:" + s.bits()));
	}

	private boolean sleep(String tag, long millis) {
		try {
			Thread.sleep(millis);
			this.events.add(tag, "slept");
			return true;
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
			return false;
		}
	}

	/** Whether the request runs on a virtual thread (Java 21+; reflection keeps Java 17 bytecode). */
	@GetMapping("/detect/virtual")
	String virtual() {
		boolean virtual;
		try {
			virtual = (Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread());
		}
		catch (ReflectiveOperationException ex) {
			virtual = false;
		}
		return "virtual=" + virtual;
	}

	/** Like {@code /sleep}, recording the request's thread. */
	@GetMapping("/detect/sleep")
	String sleep(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "10000") long ms) {
		track(status, tag);
		sleep(tag, ms);
		return "done " + status.bits();
	}

	/**
	 * Ignores aborts, sleeps, then writes a body bigger than any buffer and flushes it:
	 * after an abort every byte must be discarded quietly.
	 */
	@IgnoreUserAbort
	@GetMapping("/detect/ignoring-write")
	void ignoringWrite(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "1000") long ms,
			HttpServletResponse response) {
		track(status, tag);
		sleep(tag, ms);
		this.events.add(tag, "aborted=" + status.isAborted());
		try {
			response.setContentType("text/plain");
			OutputStream out = response.getOutputStream();
			byte[] chunk = new byte[16 * 1024];
			Arrays.fill(chunk, (byte) 'x');
			for (int i = 0; i < 32; i++) {
				out.write(chunk);
				response.flushBuffer();
			}
			this.events.add(tag, "wrote");
		}
		catch (IOException | RuntimeException ex) {
			this.events.add(tag, "write-failed:" + ex);
		}
	}

	/** Sleeps first, then reads the body: the body stays unread in the socket meanwhile. */
	@PostMapping("/detect/late-body")
	String lateBody(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "500") long ms,
			HttpServletRequest request) throws IOException {
		track(status, tag);
		if (!sleep(tag, ms)) {
			return "interrupted";
		}
		try (InputStream in = request.getInputStream()) {
			int length = in.readAllBytes().length;
			this.events.add(tag, "body:" + length);
			return "done " + status.bits() + " body " + length;
		}
	}

	/** Writes a large body in chunks, flushing each: a slow reader makes the writes block. */
	@GetMapping("/detect/large")
	void large(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "4194304") int size,
			HttpServletResponse response) throws IOException {
		track(status, tag);
		response.setContentType("application/octet-stream");
		response.setContentLength(size);
		OutputStream out = response.getOutputStream();
		byte[] chunk = new byte[16 * 1024];
		Arrays.fill(chunk, (byte) 'y');
		int written = 0;
		while (written < size) {
			int n = Math.min(chunk.length, size - written);
			out.write(chunk, 0, n);
			response.flushBuffer();
			written += n;
		}
		this.events.add(tag, "written:" + written + ":bits=" + status.bits());
	}

	/** Commits its response, then overruns its 1 s time limit: a committed timeout. */
	@TimeLimit("1s")
	@GetMapping("/detect/committed-then-late")
	void committedThenLate(ConnectionStatus status, @RequestParam String tag, HttpServletResponse response)
			throws IOException {
		track(status, tag);
		response.getOutputStream().write("first\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
		response.flushBuffer();
		sleep(tag, 5000);
	}

	/**
	 * Describes the connection each server adapter finds for this request, so that tests
	 * can compare it with the client's socket.
	 */
	@GetMapping("/detect/connection")
	String connection(HttpServletRequest request) throws IOException {
		StringBuilder out = new StringBuilder();
		for (ContainerAdapter adapter : this.connections.adapters()) {
			ContainerConnection connection = adapter.connectionOf(request);
			out.append("adapter=").append(adapter.getClass().getSimpleName()).append('\n');
			if (connection == null) {
				out.append("connection=null\n");
				continue;
			}
			SocketChannel channel = connection.channel();
			out.append("channelClass=").append((channel != null) ? channel.getClass().getName() : "null").append('\n');
			if (channel != null) {
				out.append("channelOpen=").append(channel.isOpen()).append('\n');
				out.append("channelBlocking=").append(channel.isBlocking()).append('\n');
				out.append("channelRemotePort=")
					.append(((java.net.InetSocketAddress) channel.getRemoteAddress()).getPort())
					.append('\n');
				out.append("channelLocalPort=")
					.append(((java.net.InetSocketAddress) channel.getLocalAddress()).getPort())
					.append('\n');
			}
			out.append("remotePort=")
				.append((connection.remoteAddress() != null) ? connection.remoteAddress().getPort() : -1)
				.append('\n');
			out.append("localPort=")
				.append((connection.localAddress() != null) ? connection.localAddress().getPort() : -1)
				.append('\n');
			out.append("open=").append(connection.isOpen()).append('\n');
			out.append("listed=").append(adapter.openConnections().contains(connection)).append('\n');
			out.append("count=").append(adapter.openConnectionCount()).append('\n');
		}
		return out.toString();
	}

}
