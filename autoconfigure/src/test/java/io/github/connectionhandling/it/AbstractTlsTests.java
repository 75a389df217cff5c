package io.github.connectionhandling.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS ({@code server.ssl.*}, a self-signed key store made with {@code keytool} when the
 * test starts): a TLS client's {@code close_notify} arrives as data before its FIN, so a
 * readable connection with bytes waiting is not yet a closed one. A normal request is no
 * abort; a client that closes mid-request is detected.
 */
abstract class AbstractTlsTests extends DetectionTestSupport {

	@DynamicPropertySource
	static void ssl(DynamicPropertyRegistry registry) throws Exception {
		SelfSignedTls.register(registry);
	}

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	@Test
	void normalTlsRequestsAreNotAnAbort() throws Exception {
		String first = tag("tls-normal");
		String second = tag("tls-normal");
		long aborted = this.requests.totals().aborted();
		try (SSLSocket socket = connect()) {
			send(socket, "GET /sleep?tag=" + first + "&ms=200 HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertThat(readUntil(socket, "done 0")).startsWith("HTTP/1.1 200");
			send(socket, "GET /sleep?tag=" + second + "&ms=200 HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertThat(readUntil(socket, "done 0")).startsWith("HTTP/1.1 200");
		}
		// close_notify, then FIN, after complete responses.
		Thread.sleep(300);
		for (String tag : new String[] { first, second }) {
			awaitEvent(tag, "shutdown:0");
			assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:"))
				.doesNotContain("interrupted");
		}
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

	@Test
	void tlsRequestLeadsToItsSocketChannel() throws Exception {
		try (SSLSocket socket = connect()) {
			send(socket, "GET /detect/connection HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
			String response = readUntil(socket, "count=");
			assertThat(response).contains("channelOpen=true")
				.contains("channelRemotePort=" + socket.getLocalPort() + "\n")
				.contains("channelLocalPort=" + this.port + "\n");
		}
	}

	@ParameterizedTest
	@EnumSource(Leave.class)
	void tlsClientLeavingMidRequestIsDetected(Leave leave) throws Exception {
		String tag = tag("tls-abort");
		SSLSocket socket = connect();
		send(socket, "GET /sleep?tag=" + tag + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
		awaitEvent(tag, "started");
		if (leave == Leave.RST) {
			socket.setSoLinger(true, 0);
		}
		// SSLSocket.close() sends close_notify first.
		socket.close();
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

	private SSLSocket connect() throws Exception {
		SSLContext context = SelfSignedTls.clientContext();
		Socket plain = new Socket();
		plain.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
		SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", this.port, true);
		socket.setSoTimeout(15000);
		socket.startHandshake();
		return socket;
	}

	private static void send(SSLSocket socket, String request) throws IOException {
		socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
		socket.getOutputStream().flush();
	}

	private static String readUntil(SSLSocket socket, String text) throws IOException {
		ByteArrayOutputStream read = new ByteArrayOutputStream();
		InputStream in = socket.getInputStream();
		byte[] buffer = new byte[4096];
		while (!read.toString(StandardCharsets.ISO_8859_1).contains(text)) {
			int n = in.read(buffer);
			if (n < 0) {
				throw new IOException("EOF waiting for '" + text + "', read: " + read);
			}
			read.write(buffer, 0, n);
		}
		return read.toString(StandardCharsets.ISO_8859_1);
	}

}
