package io.github.connectionhandling.it;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * On Jetty a reset HTTP/2 stream is an abort: Jetty's request failure listener signals it.
 */
@SpringBootTest(classes = { DetectionApp.class, OnJetty.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "server.http2.enabled=true")
class JettyHttp2Tests extends AbstractHttp2Tests {

	@Test
	void resetStreamIsAnAbort() throws Exception {
		upgrade();
		String tag = tag("h2-reset");
		CompletableFuture<HttpResponse<String>> response = this.client
			.sendAsync(request("/detect/sleep?tag=" + tag), BodyHandlers.ofString());
		awaitEvent(tag, "started");
		// The JDK client resets the stream (RST_STREAM CANCEL) when its exchange is cancelled.
		response.cancel(true);
		awaitEvent(tag, "interrupted");
		awaitEvent(tag, "shutdown:1");
		assertClosedOnceOffRequestThread(tag);
	}

}
