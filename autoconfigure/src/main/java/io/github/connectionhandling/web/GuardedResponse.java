package io.github.connectionhandling.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.github.connectionhandling.container.ContainerConnection;
import io.github.connectionhandling.request.RequestHandle;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * The response as the application sees it. Once its request is aborted or timed out,
 * everything the application writes is discarded without an error (the client is gone,
 * or has had its answer). Writes hold a lock that lets another thread take the response
 * over, to answer a timed-out request on time even while its handler is still running.
 */
final class GuardedResponse extends HttpServletResponseWrapper {

	private static final Log logger = LogFactory.getLog(GuardedResponse.class);

	private static final long TAKE_OVER_WAIT_MILLIS = 50;

	private final RequestHandle handle;

	private final ReentrantLock lock = new ReentrantLock();

	private @Nullable ServletOutputStream outputStream;

	private @Nullable PrintWriter writer;

	private boolean writerUsed;

	/** Guarded by lock: the timeout was answered (or its connection closed). */
	private boolean timedOut;

	/** The declared Content-Length, -1 if none. */
	private volatile long declaredLength = -1;

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
	 * Answer a timed-out request once, from whichever thread gets here first: the thread
	 * stopping the work (so the client is answered on time even while the handler runs)
	 * or the request thread on its way out (so the container never completes a response
	 * that another thread is still writing). If nothing was committed, the response is
	 * replaced with an RFC 9457 problem; otherwise the connection is closed.
	 * @param status the HTTP status to send
	 * @param wait whether to wait for a write in progress; {@code false} gives up after a
	 * short wait and closes the connection instead (the response is committed anyway)
	 */
	void timeOut(int status, boolean wait) {
		boolean locked;
		try {
			locked = wait ? lockNow() : this.lock.tryLock(TAKE_OVER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			locked = false;
		}
		if (!locked) {
			closeConnection(); // a write is blocked on a slow client: it is committed
			return;
		}
		try {
			if (this.timedOut) {
				return;
			}
			this.timedOut = true;
			if (!answerTimeout(status)) {
				closeConnection();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean lockNow() {
		this.lock.lock();
		return true;
	}

	private boolean answerTimeout(int status) {
		HttpServletResponse real = real();
		if (real.isCommitted()) {
			return false;
		}
		try {
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
			return true;
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Cannot answer timed-out request " + this.handle.getId(), ex);
			return false;
		}
	}

	private void closeConnection() {
		ContainerConnection connection = this.handle.getConnection();
		if (connection == null) {
			return;
		}
		SocketChannel channel = connection.channel();
		try {
			if (channel != null) {
				// A half-close at the socket: the client sees the end of the stream, and
				// the container, whose thread may still be writing, fails its next write
				// and closes the connection itself.
				channel.shutdownOutput();
				channel.shutdownInput();
			}
			else {
				connection.close();
			}
		}
		catch (IOException ex) {
			logger.debug("Cannot close " + connection, ex);
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
		this.lock.lock();
		try {
			HttpServletResponse real = real();
			if (!real.isCommitted()) {
				real.setHeader("Connection", "close");
			}
		}
		finally {
			this.lock.unlock();
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
			declaredHeader(name, value);
		}
	}

	@Override
	public void addHeader(String name, String value) {
		if (!discarding()) {
			super.addHeader(name, value);
			declaredHeader(name, value);
		}
	}

	@Override
	public void setContentType(String type) {
		if (!discarding()) {
			super.setContentType(type);
		}
	}

	@Override
	public void setContentLength(int len) {
		setContentLengthLong(len);
	}

	@Override
	public void setContentLengthLong(long len) {
		if (!discarding()) {
			super.setContentLengthLong(len);
			declared(len);
		}
	}

	private void declared(long length) {
		this.declaredLength = length;
		countWritten(0);
	}

	/** Note bytes written; at the declared length the response is complete. */
	private void countWritten(long bytes) {
		this.written += bytes;
		long declared = this.declaredLength;
		if (declared >= 0 && this.written >= declared) {
			this.handle.responseComplete();
		}
	}

	private void declaredHeader(String name, String value) {
		if ("Content-Length".equalsIgnoreCase(name)) {
			try {
				declared(Long.parseLong(value.trim()));
			}
			catch (NumberFormatException ex) {
				// not ours to judge
			}
		}
	}

	@Override
	public void reset() {
		if (!discarding()) {
			super.reset();
		}
	}

	@Override
	public void resetBuffer() {
		if (!discarding()) {
			super.resetBuffer();
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
			guarded(() -> {
				countWritten(1);
				this.delegate.write(b);
			});
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			guarded(() -> {
				// Counted first: Tomcat sends the response as soon as the declared length
				// is written, inside this call, and the client may read it and close
				// before the call returns.
				countWritten(len);
				this.delegate.write(b, off, len);
			});
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
