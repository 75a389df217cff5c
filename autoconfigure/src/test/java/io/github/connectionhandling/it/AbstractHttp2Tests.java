package io.github.connectionhandling.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 (h2c): many streams share one TCP connection, so the TCP watch must stay away
 * from it; concurrent streams complete normally.
 */
abstract class AbstractHttp2Tests extends DetectionTestSupport {

	final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

	@AfterEach
	void nothingLeft() {
		assertNothingLeft();
	}

	HttpResponse<String> get(String path) throws Exception {
		return this.client.send(request(path), BodyHandlers.ofString());
	}

	HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build();
	}

	/** Upgrade the client's connection to h2c with a first request. */
	void upgrade() throws Exception {
		HttpResponse<String> response = get("/status");
		assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
	}

	@Test
	void concurrentStreamsOnOneConnectionCompleteNormally() throws Exception {
		upgrade();
		long aborted = this.requests.totals().aborted();
		List<String> tags = new ArrayList<>();
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			String tag = tag("h2");
			tags.add(tag);
			responses.add(this.client.sendAsync(request("/detect/sleep?tag=" + tag + "&ms=" + (200 + 100 * i)),
					BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> response : responses) {
			HttpResponse<String> done = response.get(10, TimeUnit.SECONDS);
			assertThat(done.version()).isEqualTo(HttpClient.Version.HTTP_2);
			assertThat(done.body()).isEqualTo("done 0");
		}
		for (String tag : tags) {
			awaitEvent(tag, "shutdown:0");
			assertThat(this.events.of(tag)).noneMatch((event) -> event.startsWith("close:"))
				.doesNotContain("interrupted");
		}
		assertThat(this.requests.totals().aborted()).isEqualTo(aborted);
	}

}
