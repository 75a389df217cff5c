package io.github.connectionhandling.it;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What must never be reported as an abort: an idle keep-alive connection, a request body
 * not yet read or arriving slowly, {@code Expect: 100-continue}, pipelined requests and a
 * slow reader. And, where the body is unread, a client that does leave is still noticed
 * (through the kernel's TCP state).
 */
abstract class AbstractNoFalseAbortTests extends DetectionTestSupport {

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	/** The request ended normally: shutdown saw 0, no close callback ran. */
	void assertNormal(String tag) {
		awaitEvent(tag, "shutdown:0");
		assertThat(this.events.of(tag)).as("events of %s", tag)
			.noneMatch((event) -> event.startsWith("close:"))
			.doesNotContain("interrupted", "shutdown:1");
	}

	@Test
	void keepAliveConnectionIdleBetweenRequestsIsNotAnAbort() throws Exception {
		String first = tag("keepalive");
		String second = tag("keepalive");
		long aborted = this.requests.totals().aborted();
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response one = client.get("/sleep?tag=" + first + "&ms=100").readResponse(WAIT);
			assertThat(one.body()).isEqualTo("done 0");
			Thread.sleep(300);
			RawHttp.Response two = client.get("/sleep?tag=" + second + "&ms=100").readResponse(WAIT);
			assertThat(two.body()).isEqualTo("done 0");
			Thread.sleep(300);
		}
		// Leaving after the response is no abort of the completed requests.
		Thread.sleep(300);
		assertNormal(first);
		assertNormal(second);
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

	@Test
	void clientLeavingAsSoonAsItHasTheWholeResponseIsNotAnAbort() throws Exception {
		// The container sends a response with a Content-Length in full as soon as the last
		// byte is written, before the handler's thread has returned through the filters.
		long aborted = this.requests.totals().aborted();
		String tag = tag("readandleave");
		for (int i = 0; i < 20; i++) {
			try (RawHttp client = RawHttp.connect(this.port)) {
				RawHttp.Response response = client.get("/sleep?tag=" + tag + "&ms=20").readResponse(WAIT);
				assertThat(response.body()).isEqualTo("done 0");
			}
		}
		await().atMost(WAIT).until(() -> this.events.count(tag, "shutdown:0") + this.events.count(tag, "shutdown:1") == 20);
		assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:")).doesNotContain("shutdown:1");
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

	@Test
	void connectionClosedByTheServerAfterManyKeepAliveRequestsIsNotAnAbort() throws Exception {
		// Tomcat closes a keep-alive connection after 100 requests by default.
		long aborted = this.requests.totals().aborted();
		String tag = tag("many");
		try (RawHttp client = RawHttp.connect(this.port)) {
			for (int i = 0; i < 100; i++) {
				RawHttp.Response response = client.get("/sleep?tag=" + tag + "&ms=10").readResponse(WAIT);
				assertThat(response.body()).isEqualTo("done 0");
			}
		}
		Thread.sleep(300);
		assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:")).doesNotContain("shutdown:1");
		assertThat(this.events.count(tag, "shutdown:0")).isEqualTo(100);
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

	@Test
	void slowRequestBodyIsNotAnAbort() throws Exception {
		String tag = tag("slowbody");
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.send("POST /body?tag=" + tag + "&ms=100 HTTP/1.1\r\nHost: localhost\r\n"
					+ "Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n");
			for (int i = 0; i < 10; i++) {
				Thread.sleep(100);
				client.send("ab");
			}
			RawHttp.Response response = client.readResponse(WAIT);
			assertThat(response.body()).isEqualTo("done 0");
		}
		assertThat(this.events.of(tag)).contains("body:20");
		assertNormal(tag);
	}

	@Test
	void unreadRequestBodyIsNotAnAbort() throws Exception {
		String tag = tag("unreadbody");
		try (RawHttp client = RawHttp.connect(this.port)) {
			// The body waits in the socket while the handler sleeps: readable, yet alive.
			client.send("POST /detect/late-body?tag=" + tag + "&ms=600 HTTP/1.1\r\nHost: localhost\r\n"
					+ "Content-Type: application/octet-stream\r\nContent-Length: 11\r\n\r\nhello world");
			RawHttp.Response response = client.readResponse(WAIT);
			assertThat(response.body()).isEqualTo("done 0 body 11");
		}
		assertNormal(tag);
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void clientLeavingMidBodyIsDetected(Leave leave) throws Exception {
		String tag = tag("midbody");
		RawHttp client = RawHttp.connect(this.port);
		client.send("POST /detect/late-body?tag=" + tag + "&ms=10000 HTTP/1.1\r\nHost: localhost\r\n"
				+ "Content-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nsome of it");
		awaitEvent(tag, "started");
		leave.apply(client);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	@Test
	void expectContinueIsNotAnAbort() throws Exception {
		String tag = tag("expect");
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.send("POST /body?tag=" + tag + "&ms=300 HTTP/1.1\r\nHost: localhost\r\n"
					+ "Content-Type: text/plain\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
			String interim = client.readUntil("\r\n\r\n", WAIT);
			assertThat(interim).startsWith("HTTP/1.1 100");
			Thread.sleep(200);
			client.send("hello world");
			RawHttp.Response response = client.readResponse(WAIT);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("done 0");
		}
		assertThat(this.events.of(tag)).contains("body:11");
		assertNormal(tag);
	}

	@Test
	void requestsPipelinedInOneWriteAreNotAnAbort() throws Exception {
		String tag = tag("pipelined");
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.send("GET /sleep?tag=" + tag + "&ms=300 HTTP/1.1\r\nHost: localhost\r\n\r\n"
					+ "GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
			String both = client.readToEnd();
			assertThat(both).contains("done 0").contains("bits=0 same=true interrupted=false");
			assertThat(both.indexOf("done 0")).isLessThan(both.indexOf("bits=0"));
		}
		assertNormal(tag);
	}

	@Test
	void requestPipelinedWhileTheFirstIsInFlightIsNotAnAbort() throws Exception {
		String tag = tag("pipelined-late");
		try (RawHttp client = RawHttp.connect(this.port)) {
			client.get("/sleep?tag=" + tag + "&ms=800");
			awaitEvent(tag, "started");
			// Long enough for the watch to be armed: the next request's bytes make it readable.
			Thread.sleep(200);
			client.send("GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
			String both = client.readToEnd();
			assertThat(both).contains("done 0").contains("bits=0 same=true interrupted=false");
		}
		assertNormal(tag);
		assertThat(this.events.of(tag)).contains("slept");
	}

	@Test
	void slowReaderIsNotAnAbort() throws Exception {
		String tag = tag("slowreader");
		int size = 2 * 1024 * 1024;
		long total = 0;
		try (Socket socket = new Socket()) {
			socket.setReceiveBufferSize(16 * 1024);
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(15000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET /detect/large?tag=" + tag + "&size=" + size
					+ " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[32 * 1024];
			long deadline = System.nanoTime() + WAIT.toNanos();
			int n;
			while ((n = in.read(buffer)) >= 0 && System.nanoTime() < deadline) {
				total += n;
				Thread.sleep(5);
			}
		}
		assertThat(total).isGreaterThan(size);
		awaitEvent(tag, "written:" + size + ":bits=0");
		assertNormal(tag);
	}

}
