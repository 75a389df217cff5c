package io.github.connectionhandling.integration.http;

import java.io.IOException;
import java.io.InputStream;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.integration.StopHooks;
import io.github.connectionhandling.request.StopAction;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Aborts an outgoing call when the request it is made for is stopped, while it waits for
 * the response and while its body is read.
 * <p>
 * The stop interrupts the calling thread. That is what aborts the exchange of the
 * clients Spring Boot picks by default: the JDK {@code HttpClient} (Spring's
 * {@code JdkClientHttpRequest} cancels the exchange's future when its wait is interrupted,
 * which closes the connection; once the head has arrived the stop closes the body's
 * stream, which closes the connection too). The Jetty client's waits are interruptible too, but an
 * interrupted wait leaves its exchange running: {@link JettyRequestAborter}, installed on
 * the auto-configured Jetty client, hands the exchange to the stop, which aborts it;
 * {@link HttpComponentsRequestAborter} does the same for Apache HttpClient 5, whose socket
 * reads ignore interrupts. {@code HttpURLConnection} (Spring's
 * {@code SimpleClientHttpRequestFactory}) ignores interrupts on platform threads: its calls
 * end at their read timeout.
 * <p>
 * A call that fails because its request stopped surfaces as a
 * {@link RequestStoppedException} caused by the client's exception; a call made after the
 * stop does not start. Threads that work for no request are not touched.
 */
public final class CancellingClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

	private static final String JDK_RESPONSE = "org.springframework.http.client.JdkClientHttpResponse";

	/** The call the calling thread is executing, for client listeners that run on it. */
	private static final ThreadLocal<@Nullable CallStop> executing = new ThreadLocal<>();

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		CallStop call = new CallStop(Thread.currentThread());
		StopHooks.Hook hook = StopHooks.arm(call);
		if (hook == null) {
			return execution.execute(request, body);
		}
		ClientHttpResponse response;
		CallStop outer = executing.get();
		executing.set(call);
		try {
			response = execution.execute(request, body);
		}
		catch (IOException | RuntimeException ex) {
			hook.disarm();
			RequestStoppedException stopped = StopHooks.stopped(hook, ex);
			if (stopped != null) {
				throw stopped;
			}
			throw ex;
		}
		catch (Error ex) {
			hook.disarm();
			throw ex;
		}
		finally {
			executing.set(outer);
		}
		if (response.getClass().getName().equals(JDK_RESPONSE)) {
			// The JDK client's exchange is complete once the head arrived: cancelling its
			// future no longer reaches the body, closing the body's stream does (closing the
			// response would first drain the body, on the stopping thread).
			InputStream stream = response.getBody();
			call.attach(() -> closeQuietly(stream));
		}
		// Stays armed while the body is read: the response is read on the calling thread
		// once this method returned.
		return new StoppableResponse(response, hook);
	}

	private static void closeQuietly(InputStream body) {
		try {
			body.close();
		}
		catch (IOException ex) {
			// Closed already
		}
	}

	/**
	 * Attach an action that aborts the underlying exchange of the call the calling thread
	 * is executing, if it executes one for a request.
	 * @param abort the action; run at once if the request was stopped already
	 */
	static void attachAbort(Runnable abort) {
		CallStop call = executing.get();
		if (call != null) {
			call.attach(abort);
		}
	}

	/**
	 * Stops one call: interrupts its thread and aborts its exchange where the client
	 * allows.
	 */
	private static final class CallStop implements StopAction {

		private final Thread caller;

		// Guarded by this
		private @Nullable Runnable abort;

		private boolean stopped;

		CallStop(Thread caller) {
			this.caller = caller;
		}

		@Override
		public void stop(int bits) {
			Runnable abort;
			synchronized (this) {
				this.stopped = true;
				abort = this.abort;
			}
			if (abort != null) {
				abort.run();
			}
			this.caller.interrupt();
		}

		void attach(Runnable abort) {
			synchronized (this) {
				if (!this.stopped) {
					Runnable previous = this.abort;
					this.abort = (previous == null) ? abort : () -> {
						previous.run();
						abort.run();
					};
					return;
				}
			}
			abort.run();
		}

	}

	/**
	 * A response whose body reads are aborted when the request stops, and that disarms
	 * the stop when closed.
	 */
	private static final class StoppableResponse implements ClientHttpResponse {

		private final ClientHttpResponse response;

		private final StopHooks.Hook hook;

		private @Nullable InputStream body;

		private boolean closed;

		StoppableResponse(ClientHttpResponse response, StopHooks.Hook hook) {
			this.response = response;
			this.hook = hook;
		}

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.response.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.response.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.response.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			InputStream body = this.body;
			if (body == null) {
				body = new StoppableBody(this.response.getBody());
				this.body = body;
			}
			return body;
		}

		@Override
		public void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			try {
				this.response.close();
			}
			finally {
				this.hook.disarm();
			}
		}

		private final class StoppableBody extends InputStream {

			private final InputStream in;

			StoppableBody(InputStream in) {
				this.in = in;
			}

			@Override
			public int read() throws IOException {
				try {
					return checkEnd(this.in.read());
				}
				catch (IOException | RuntimeException ex) {
					throw failed(ex);
				}
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				try {
					return checkEnd(this.in.read(b, off, len));
				}
				catch (IOException | RuntimeException ex) {
					throw failed(ex);
				}
			}

			// A body closed by the stop may look complete: its end is no success then.
			private int checkEnd(int read) {
				if (read < 0 && StoppableResponse.this.hook.handle().isStopped()) {
					throw new RequestStoppedException(StoppableResponse.this.hook.handle().bits());
				}
				return read;
			}

			@Override
			public int available() throws IOException {
				return this.in.available();
			}

			@Override
			public void close() throws IOException {
				this.in.close();
			}

			private IOException failed(Exception ex) {
				if (ex instanceof RequestStoppedException stopped) {
					throw stopped;
				}
				RequestStoppedException stopped = StopHooks.stopped(StoppableResponse.this.hook, ex);
				if (stopped != null) {
					throw stopped;
				}
				if (ex instanceof RuntimeException runtime) {
					throw runtime;
				}
				return (IOException) ex;
			}

		}

	}

}
