package io.github.connectionhandling.web;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

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
	void aWriteTheContainerFailsForADepartedClientIsAnAbortEvenIfTheHandlerCatchesIt() throws IOException {
		HttpServletResponseWrapper real = new HttpServletResponseWrapper(new MockHttpServletResponse()) {
			@Override
			public void flushBuffer() throws IOException {
				// What Tomcat's ClientAbortException and Jetty's EofException are.
				throw new java.io.EOFException("client gone");
			}
		};
		GuardedResponse response = new GuardedResponse(real, this.handle);
		try {
			response.flushBuffer();
		}
		catch (IOException ex) {
			// a handler that swallows it and returns normally
		}
		await().atMost(Duration.ofSeconds(10)).until(this.handle::isAborted);
		this.lifecycle.finish(this.handle);
		assertThat(this.handle.status().bits()).isEqualTo(ConnectionStatus.ABORTED);
	}

	@Test
	void aWriteThatTimesOutIsNoAbort() {
		HttpServletResponseWrapper real = new HttpServletResponseWrapper(new MockHttpServletResponse()) {
			@Override
			public void flushBuffer() throws IOException {
				throw new java.net.SocketTimeoutException("slow client");
			}
		};
		GuardedResponse response = new GuardedResponse(real, this.handle);
		try {
			response.flushBuffer();
		}
		catch (IOException ex) {
			// expected
		}
		this.lifecycle.finish(this.handle);
		assertThat(this.handle.isAborted()).isFalse();
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
	void aWriteFailingForADepartedClientIsAnAbortAndStillFails() {
		GuardedResponse response = new GuardedResponse(failingWith(new IOException("Broken pipe")), this.handle);
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> response.getOutputStream().write(1));
		assertThat(this.handle.isAborted()).isTrue();
	}

	@Test
	void aWriteThatTimedOutOrWasInterruptedIsNoAbort() {
		for (IOException failure : List.of(new SocketTimeoutException(), new ClosedByInterruptException(),
				new IOException(new InterruptedIOException()))) {
			RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1"),
					null, false);
			GuardedResponse response = new GuardedResponse(failingWith(failure), handle);
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> response.getOutputStream().write(1));
			assertThat(handle.bits()).as(failure.toString()).isZero();
			this.lifecycle.finish(handle);
		}
	}

	private static MockHttpServletResponse failingWith(IOException failure) {
		return new MockHttpServletResponse() {
			@Override
			public ServletOutputStream getOutputStream() {
				return new ServletOutputStream() {
					@Override
					public void write(int b) throws IOException {
						throw failure;
					}

					@Override
					public boolean isReady() {
						return true;
					}

					@Override
					public void setWriteListener(WriteListener listener) {
					}
				};
			}
		};
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

	@Test
	void everyHeaderAndStatusSetterIsDiscardedOnceTheRequestIsStopped() {
		MockHttpServletResponse real = new MockHttpServletResponse();
		GuardedResponse response = new GuardedResponse(real, this.handle);
		this.lifecycle.signal(this.handle, ConnectionStatus.ABORTED, "client");
		response.setStatus(201);
		response.setHeader("A", "1");
		response.addHeader("B", "2");
		response.setIntHeader("C", 3);
		response.addIntHeader("D", 4);
		response.setDateHeader("E", 5);
		response.addDateHeader("F", 6);
		response.setContentType("text/plain");
		response.setCharacterEncoding("ISO-8859-1");
		response.setContentLength(7);
		assertThat(real.getStatus()).isEqualTo(200);
		assertThat(real.getHeaderNames()).isEmpty();
		assertThat(real.getContentType()).isNull();
	}

	@Test
	void theTimeoutAnswerWaitsForAHeaderBeingSetAndReplacesIt() throws Exception {
		CountDownLatch inSetter = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		AtomicBoolean resetWhileSetting = new AtomicBoolean();
		AtomicBoolean setting = new AtomicBoolean();
		MockHttpServletResponse real = new MockHttpServletResponse() {

			@Override
			public void setIntHeader(String name, int value) {
				setting.set(true);
				inSetter.countDown();
				try {
					proceed.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				super.setIntHeader(name, value);
				setting.set(false);
			}

			@Override
			public void reset() {
				resetWhileSetting.compareAndSet(false, setting.get());
				super.reset();
			}

		};
		GuardedResponse response = new GuardedResponse(real, this.handle);
		Thread handler = new Thread(() -> response.setIntHeader("X-Slow", 1));
		handler.start();
		assertThat(inSetter.await(10, TimeUnit.SECONDS)).isTrue();
		this.lifecycle.signal(this.handle, ConnectionStatus.TIMEOUT, "timeout");
		Thread answering = new Thread(() -> response.timeOut(503, true));
		answering.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> answering.getState() == Thread.State.WAITING);
		proceed.countDown();
		answering.join(10_000);
		handler.join(10_000);
		assertThat(resetWhileSetting).isFalse();
		assertThat(real.getStatus()).isEqualTo(503);
		assertThat(real.getHeader("X-Slow")).isNull();
		assertThat(real.getContentType()).startsWith("application/problem+json");
	}

	@Test
	void timeoutAnswerIsAProblemDetailWithThePathAsInstance() throws Exception {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/report/7", "x=1", "127.0.0.1:1", "HTTP/1.1"),
				null, false);
		handle.setTimeLimit(Duration.ofSeconds(2));
		MockHttpServletResponse real = new MockHttpServletResponse();
		TimeoutProblems problems = new TimeoutProblems(
				() -> List.of(new org.springframework.http.converter.json.JacksonJsonHttpMessageConverter()),
				List.of((problem, status) -> problem.setProperty("retryable", status.isTimedOut())));
		GuardedResponse response = new GuardedResponse(real, handle, problems);
		this.lifecycle.signal(handle, ConnectionStatus.TIMEOUT, "timeout");
		response.timeOut(504, true);
		assertThat(real.getStatus()).isEqualTo(504);
		assertThat(real.getContentType()).startsWith("application/problem+json");
		DocumentContext json = JsonPath.parse(real.getContentAsString());
		assertThat(json.read("$.status", Integer.class)).isEqualTo(504);
		assertThat(json.read("$.title", String.class)).isEqualTo("Gateway Timeout");
		assertThat(json.read("$.instance", String.class)).isEqualTo("/report/7");
		assertThat(json.read("$.detail", String.class)).contains("PT2S");
		assertThat(json.read("$.retryable", Boolean.class)).isTrue();
		this.lifecycle.finish(handle);
	}

	@Test
	void aFailingCustomizerIsIsolated() throws Exception {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/r", null, "127.0.0.1:1", "HTTP/1.1"),
				null, false);
		MockHttpServletResponse real = new MockHttpServletResponse();
		TimeoutProblems problems = new TimeoutProblems(List::of, List.of((problem, status) -> {
			throw new IllegalStateException("customizer bug");
		}));
		GuardedResponse response = new GuardedResponse(real, handle, problems);
		this.lifecycle.signal(handle, ConnectionStatus.TIMEOUT, "timeout");
		response.timeOut(503, true);
		assertThat(real.getStatus()).isEqualTo(503);
		assertThat(JsonPath.parse(real.getContentAsString()).read("$.instance", String.class)).isEqualTo("/r");
		this.lifecycle.finish(handle);
	}

}
