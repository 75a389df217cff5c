package io.github.connectionhandling.request;

import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that closes after it had its whole response has not aborted the request.
 */
class RespondedRequestTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final RequestInfo info = new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1");

	@AfterEach
	void destroy() {
		this.lifecycle.destroy();
	}

	@Test
	void abortIsRefusedOnceResponded() {
		RequestHandle handle = this.lifecycle.start(this.info, null, false);
		handle.markResponded();
		assertThat(handle.signal(ConnectionStatus.ABORTED, "client")).isFalse();
		assertThat(handle.bits()).isZero();
		// The work may still run past its limit.
		assertThat(handle.signal(ConnectionStatus.TIMEOUT, "timeout")).isTrue();
		assertThat(handle.bits()).isEqualTo(ConnectionStatus.TIMEOUT);
		assertThat(handle.signal(ConnectionStatus.ABORTED, "client")).isFalse();
		this.lifecycle.finish(handle);
		assertThat(handle.bits()).isEqualTo(ConnectionStatus.TIMEOUT);
	}

	@Test
	void abortIsAcceptedAgainWhenTheLastWriteFailed() {
		RequestHandle handle = this.lifecycle.start(this.info, null, false);
		handle.markResponded();
		handle.unmarkResponded();
		assertThat(handle.isResponded()).isFalse();
		assertThat(handle.signal(ConnectionStatus.ABORTED, "client")).isTrue();
		assertThat(handle.bits()).isEqualTo(ConnectionStatus.ABORTED);
		this.lifecycle.finish(handle);
	}

	@Test
	void abortBeforeTheResponseKeepsItsBit() {
		RequestHandle handle = this.lifecycle.start(this.info, null, false);
		assertThat(handle.signal(ConnectionStatus.ABORTED, "client")).isTrue();
		handle.markResponded();
		assertThat(handle.bits()).isEqualTo(ConnectionStatus.ABORTED);
		this.lifecycle.finish(handle);
	}

}
