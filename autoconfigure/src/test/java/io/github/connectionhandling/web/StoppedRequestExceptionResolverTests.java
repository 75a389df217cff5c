package io.github.connectionhandling.web;

import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a stopped request throws is resolved without rendering: quietly for the expected
 * {@link RequestStoppedException}, at debug with the request for anything else; the
 * exceptions of requests that were not stopped are left to the application.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoppedRequestExceptionResolverTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final StoppedRequestExceptionResolver resolver = new StoppedRequestExceptionResolver();

	private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

	private final MockHttpServletRequest request = new MockHttpServletRequest("GET", "/report");

	private RequestHandle handle;

	@BeforeEach
	void start() {
		this.logging.setLogLevel(StoppedRequestExceptionResolver.class.getName(), LogLevel.DEBUG);
		this.handle = this.lifecycle.start(new RequestInfo("GET", "/report", null, null, "HTTP/1.1"), null, false);
		this.request.setAttribute(CurrentRequest.ATTRIBUTE, this.handle);
	}

	@AfterEach
	void stop() {
		this.logging.setLogLevel(StoppedRequestExceptionResolver.class.getName(), null);
		this.lifecycle.finish(this.handle);
		this.lifecycle.destroy();
	}

	@Test
	void requestStoppedExceptionIsResolvedQuietly(CapturedOutput output) {
		this.lifecycle.signal(this.handle, ConnectionStatus.ABORTED, "client");
		assertThat(this.resolver.resolveException(this.request, new MockHttpServletResponse(), null,
				new RequestStoppedException(ConnectionStatus.ABORTED)))
			.isNotNull();
		assertThat(output.getAll()).doesNotContain("threw");
	}

	@Test
	void anotherExceptionOfAStoppedRequestIsLoggedAtDebugWithItsRequest(CapturedOutput output) {
		this.lifecycle.signal(this.handle, ConnectionStatus.ABORTED, "client");
		assertThat(this.resolver.resolveException(this.request, new MockHttpServletResponse(), null,
				new IllegalStateException("a real bug")))
			.isNotNull();
		assertThat(output.getAll()).contains("Request " + this.handle.getId() + " (GET /report), stopped with status 1")
			.contains("a real bug");
	}

	@Test
	void exceptionsOfRequestsNotStoppedAreLeftToTheApplication() {
		assertThat(this.resolver.resolveException(this.request, new MockHttpServletResponse(), null,
				new IllegalStateException("not ours")))
			.isNull();
	}

}
