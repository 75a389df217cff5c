package io.github.connectionhandling.web;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class GuardedResponseTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final RequestHandle handle = this.lifecycle
		.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1"), null, false);

	@AfterEach
	void stop() {
		this.lifecycle.destroy();
	}

	@Test
	void responseIsCompleteOnceItsDeclaredLengthIsWritten() throws IOException {
		GuardedResponse response = new GuardedResponse(new MockHttpServletResponse(), this.handle);
		response.setHeader("Content-Length", "5");
		OutputStream out = response.getOutputStream();
		out.write(new byte[] { 1, 2, 3, 4 });
		assertThat(this.handle.isResponded()).isFalse();
		out.write(5);
		assertThat(this.handle.isResponded()).isTrue();
	}

	@Test
	void writerCountsTowardsTheDeclaredLength() throws IOException {
		GuardedResponse response = new GuardedResponse(new MockHttpServletResponse(), this.handle);
		response.setContentLength(6);
		PrintWriter writer = response.getWriter();
		writer.write("done");
		assertThat(this.handle.isResponded()).isFalse();
		writer.write(" 0");
		assertThat(this.handle.isResponded()).isTrue();
	}

	@Test
	void responseWithoutLengthIsCompleteWhenClosed() throws IOException {
		GuardedResponse response = new GuardedResponse(new MockHttpServletResponse(), this.handle);
		OutputStream out = response.getOutputStream();
		out.write(new byte[1000]);
		assertThat(this.handle.isResponded()).isFalse();
		out.close();
		assertThat(this.handle.isResponded()).isTrue();
	}

	@Test
	void clientLeavingAfterTheWholeResponseIsNoAbort() throws IOException {
		GuardedResponse response = new GuardedResponse(new MockHttpServletResponse(), this.handle);
		response.setContentLength(2);
		assertThat(this.lifecycle.signal(this.handle, ConnectionStatus.ABORTED, "actuator")).isTrue();
		this.lifecycle.finish(this.handle);
		RequestHandle next = this.lifecycle.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1"), null,
				false);
		GuardedResponse complete = new GuardedResponse(new MockHttpServletResponse(), next);
		complete.setContentLength(2);
		complete.getOutputStream().write(new byte[2]);
		assertThat(this.lifecycle.signal(next, ConnectionStatus.ABORTED, "client")).isFalse();
		assertThat(next.bits()).isZero();
	}

}
