package io.github.connectionhandling.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.RequestHandle;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * The response as the application sees it. Once its request is aborted or timed out,
 * everything the application writes is discarded without an error (the client is gone,
 * or has had its answer). Writes hold a lock that lets another thread take the response
 * over, to answer a timed-out request on time even while its handler is still running.
 */
final class GuardedResponse extends HttpServletResponseWrapper {

	private static final long TAKE_OVER_WAIT_MILLIS = 50;

	private final RequestHandle handle;

	private final ReentrantLock lock = new ReentrantLock();

	private @Nullable ServletOutputStream outputStream;

	private @Nullable PrintWriter writer;

	private boolean writerUsed;

	// Guarded by lock: the body length the application declared and how much of it it
	// wrote, to tell when the client has its whole response.
	private long declaredLength = -1;

	private long written;

	GuardedResponse(HttpServletResponse response, RequestHandle handle) {
		super(response);
		this.handle = handle;
	}

	RequestHandle handle() {
		return this.handle;
	}

	private HttpServletResponse real() {
		return (HttpServletResponse) getResponse();
	}

	/** Whether the application's output goes nowhere now. */
	private boolean discarding() {
		return this.handle.bits() != 0;
	}

	/**
	 * Answer a timed-out request: if nothing was committed, replace the response with an
	 * RFC 9457 problem; called off the request thread.
	 * @param status the HTTP status to send
	 * @return {@code true} if the client was answered, {@code false} if the response was
	 * committed already (or busy writing), so the connection should be closed instead
	 * @throws IOException if the answer cannot be written
	 */
	boolean answerTimeout(int status) throws IOException {
		boolean locked;
		try {
			locked = this.lock.tryLock(TAKE_OVER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		if (!locked) {
			return false; // a write is blocked on a slow client: it is committed anyway
		}
		try {
			HttpServletResponse real = real();
			if (real.isCommitted()) {
				return false;
			}
			byte[] body = problem(status, this.handle.getTimeLimit(), this.handle.getInfo().uri());
			real.reset();
			real.setStatus(status);
			real.setContentType("application/problem+json");
			real.setHeader("Connection", "close");
			real.setContentLength(body.length);
			if (this.writerUsed) {
				PrintWriter out = real.getWriter();
				out.write(new String(body, StandardCharsets.UTF_8));
				out.flush();
			}
			else {
				real.getOutputStream().write(body);
			}
			real.flushBuffer();
			this.handle.markResponded();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	static byte[] problem(int status, Duration limit, String instance) {
		HttpStatus resolved = HttpStatus.resolve(status);
		String title = (resolved != null) ? resolved.getReasonPhrase() : "Error";
		String json = "{\"type\":\"about:blank\",\"title\":\"" + escape(title) + "\",\"status\":" + status
				+ ",\"detail\":\"The request exceeded its execution time limit of " + escape(limit.toString())
				+ ".\",\"instance\":\"" + escape(instance) + "\"}";
		return json.getBytes(StandardCharsets.UTF_8);
	}

	private static String escape(String text) {
		StringBuilder out = new StringBuilder(text.length());
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		return out.toString();
	}

	/**
	 * Mark the response to close its connection when the request ends, if it can still
	 * carry a header; called on the request thread.
	 */
	void closeConnectionAfterwards() {
		HttpServletResponse real = real();
		if (!real.isCommitted()) {
			real.setHeader("Connection", "close");
		}
	}

	// Output

	@Override
	public ServletOutputStream getOutputStream() throws IOException {
		if (this.outputStream == null) {
			this.outputStream = new GuardedOutputStream(super.getOutputStream());
		}
		return this.outputStream;
	}

	@Override
	public PrintWriter getWriter() throws IOException {
		if (this.writer == null) {
			this.writerUsed = true;
			this.writer = new PrintWriter(new GuardedWriter(super.getWriter()), false);
		}
		return this.writer;
	}

	@Override
	public void flushBuffer() throws IOException {
		guarded(super::flushBuffer);
	}

	@Override
	public void sendError(int sc, String msg) throws IOException {
		guarded(() -> super.sendError(sc, msg));
	}

	@Override
	public void sendError(int sc) throws IOException {
		guarded(() -> super.sendError(sc));
	}

	@Override
	public void sendRedirect(String location) throws IOException {
		guarded(() -> super.sendRedirect(location));
	}

	@Override
	public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
		guarded(() -> super.sendRedirect(location, sc, clearBuffer));
	}

	@Override
	public void setStatus(int sc) {
		if (!discarding()) {
			super.setStatus(sc);
		}
	}

	@Override
	public void setHeader(String name, String value) {
		if (!discarding()) {
			super.setHeader(name, value);
			declared(name, value);
		}
	}

	@Override
	public void addHeader(String name, String value) {
		if (!discarding()) {
			super.addHeader(name, value);
			declared(name, value);
		}
	}

	@Override
	public void setIntHeader(String name, int value) {
		if (!discarding()) {
			super.setIntHeader(name, value);
			declared(name, Integer.toString(value));
		}
	}

	@Override
	public void addIntHeader(String name, int value) {
		if (!discarding()) {
			super.addIntHeader(name, value);
			declared(name, Integer.toString(value));
		}
	}

	private void declared(String name, @Nullable String value) {
		if ("Content-Length".equalsIgnoreCase(name)) {
			try {
				declaredLength((value != null) ? Long.parseLong(value.trim()) : -1);
			}
			catch (NumberFormatException ex) {
				declaredLength(-1);
			}
		}
	}

	private void declaredLength(long length) {
		this.lock.lock();
		try {
			this.declaredLength = length;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Write bytes of the body through the output stream; called under the lock. If they
	 * complete the declared length, the client has its whole response: marked before the
	 * write, as the container may complete the response inside it and the client may close
	 * at once. A write that fails then means the client left before it had everything.
	 */
	private void writeCounted(long bytes, IoAction write) throws IOException {
		boolean completes = !this.handle.isResponded() && bytes > 0 && this.declaredLength >= 0
				&& this.written + bytes >= this.declaredLength;
		if (completes) {
			this.handle.markResponded();
		}
		try {
			write.run();
		}
		catch (IOException ex) {
			if (completes) {
				this.handle.unmarkResponded();
				this.handle.signal(ConnectionStatus.ABORTED, "client");
			}
			throw ex;
		}
		this.written += bytes;
	}

	@Override
	public void setContentType(String type) {
		if (!discarding()) {
			super.setContentType(type);
		}
	}

	@Override
	public void setContentLength(int len) {
		if (!discarding()) {
			super.setContentLength(len);
			declaredLength(len);
		}
	}

	@Override
	public void setContentLengthLong(long len) {
		if (!discarding()) {
			super.setContentLengthLong(len);
			declaredLength(len);
		}
	}

	@Override
	public void reset() {
		guardedReset(() -> {
			super.reset();
			this.declaredLength = -1;
		});
	}

	@Override
	public void resetBuffer() {
		guardedReset(super::resetBuffer);
	}

	private void guardedReset(Runnable reset) {
		if (discarding()) {
			return;
		}
		this.lock.lock();
		try {
			if (!discarding()) {
				reset.run();
				this.written = 0;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private void guarded(IoAction action) throws IOException {
		if (discarding()) {
			return;
		}
		this.lock.lock();
		try {
			if (!discarding()) {
				action.run();
			}
		}
		catch (IOException ex) {
			if (!discarding()) {
				throw ex;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	@FunctionalInterface
	private interface IoAction {

		void run() throws IOException;

	}

	private final class GuardedOutputStream extends ServletOutputStream {

		private final ServletOutputStream delegate;

		GuardedOutputStream(ServletOutputStream delegate) {
			this.delegate = delegate;
		}

		@Override
		public void write(int b) throws IOException {
			guarded(() -> writeCounted(1, () -> this.delegate.write(b)));
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			guarded(() -> writeCounted(len, () -> this.delegate.write(b, off, len)));
		}

		@Override
		public void flush() throws IOException {
			guarded(this.delegate::flush);
		}

		@Override
		public void close() throws IOException {
			guarded(this.delegate::close);
		}

		@Override
		public boolean isReady() {
			return discarding() || this.delegate.isReady();
		}

		@Override
		public void setWriteListener(WriteListener listener) {
			this.delegate.setWriteListener(listener);
		}

	}

	private final class GuardedWriter extends Writer {

		private final PrintWriter delegate;

		GuardedWriter(PrintWriter delegate) {
			this.delegate = delegate;
		}

		@Override
		public void write(char[] buffer, int off, int len) throws IOException {
			guarded(() -> this.delegate.write(buffer, off, len));
		}

		@Override
		public void write(String text, int off, int len) throws IOException {
			guarded(() -> this.delegate.write(text, off, len));
		}

		@Override
		public void flush() throws IOException {
			guarded(this.delegate::flush);
		}

		@Override
		public void close() throws IOException {
			guarded(this.delegate::close);
		}

	}

}
