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

	/**
	 * Written under the lock: the timeout is being or was answered (or its connection
	 * closed). Volatile for the stopping thread that could not take the lock.
	 */
	private volatile boolean timedOut;

	/** The declared Content-Length, -1 if none. */
	private volatile long contentLength = -1;

	/** Bytes (chars for the writer: never more than bytes) the application wrote. */
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
			if (this.timedOut) {
				// The holder is answering the timeout itself (the request thread, slow on a
				// loaded machine): closing now would cut its answer off.
				return;
			}
			// A write is blocked on a slow client: the response is committed.
			this.handle.markResponded();
			closeConnection();
			return;
		}
		try {
			if (this.timedOut) {
				return;
			}
			this.timedOut = true;
			// Answered or dismissed by us: the client's close that follows is no abort.
			this.handle.markResponded();
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
		if (!enter()) {
			return;
		}
		try {
			super.flushBuffer();
		}
		catch (IOException ex) {
			failed(ex, false);
		}
		finally {
			this.lock.unlock();
		}
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
			declaredLength(name, value);
		}
	}

	@Override
	public void addHeader(String name, String value) {
		if (!discarding()) {
			super.addHeader(name, value);
			declaredLength(name, value);
		}
	}

	@Override
	public void setIntHeader(String name, int value) {
		super.setIntHeader(name, value);
		declaredLength(name, Integer.toString(value));
	}

	@Override
	public void addIntHeader(String name, int value) {
		super.addIntHeader(name, value);
		declaredLength(name, Integer.toString(value));
	}

	private void declaredLength(String name, @Nullable String value) {
		if ("Content-Length".equalsIgnoreCase(name) && value != null) {
			try {
				this.contentLength = Long.parseLong(value.trim());
			}
			catch (NumberFormatException ex) {
				// the container rejects it
			}
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
		if (!discarding()) {
			super.setContentLength(len);
			this.contentLength = len;
		}
	}

	@Override
	public void setContentLengthLong(long len) {
		if (!discarding()) {
			super.setContentLengthLong(len);
			this.contentLength = len;
		}
	}

	@Override
	public void reset() {
		if (!discarding()) {
			super.reset();
			this.contentLength = -1;
			this.written = 0;
		}
	}

	/**
	 * Before a write of {@code count} bytes (chars for the writer: never more than bytes),
	 * under the lock. The write that reaches the declared length makes the container send
	 * the rest of the response at once, and the client may read it and leave while the
	 * write is still returning: the response counts as complete from before that write
	 * (and no longer if it fails, see {@link #failed}). Closing the stream ends the
	 * response whatever its length.
	 * @return whether the write completes the response
	 */
	private boolean completes(int count, boolean closing) {
		long length = this.contentLength;
		boolean completes = closing || (length > 0 && this.written < length && this.written + count >= length);
		if (completes) {
			this.handle.markResponded();
		}
		return completes;
	}

	@Override
	public void resetBuffer() {
		if (!discarding()) {
			super.resetBuffer();
		}
	}

	private void guarded(IoAction action) throws IOException {
		if (!enter()) {
			return;
		}
		try {
			action.run();
		}
		catch (IOException ex) {
			failed(ex, false);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Take the lock for output, unless the output is discarded: then return
	 * {@code false} without it. The writes below spell out what {@link #guarded} does
	 * rather than pass it a lambda: they run for every response, capturing lambdas would
	 * cost an allocation each.
	 */
	private boolean enter() {
		if (discarding()) {
			return false;
		}
		this.lock.lock();
		if (discarding()) {
			this.lock.unlock();
			return false;
		}
		return true;
	}

	/**
	 * A write under the lock failed: it no longer completes the response, and its
	 * failure is swallowed if the output is discarded by now (the client is gone, or was
	 * answered by another thread).
	 */
	private void failed(Exception ex, boolean completes) throws IOException {
		if (completes) {
			this.handle.unmarkResponded();
		}
		if (ex instanceof RuntimeException runtime) {
			throw runtime;
		}
		if (!discarding()) {
			throw (IOException) ex;
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
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(1, false);
				this.delegate.write(b);
				GuardedResponse.this.written += 1;
			}
			catch (IOException | RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(len, false);
				this.delegate.write(b, off, len);
				GuardedResponse.this.written += len;
			}
			catch (IOException | RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void flush() throws IOException {
			if (!enter()) {
				return;
			}
			try {
				this.delegate.flush();
			}
			catch (IOException ex) {
				failed(ex, false);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void close() throws IOException {
			// Closing the stream ends the response, chunked or not.
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(0, true);
				this.delegate.close();
			}
			catch (IOException | RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
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
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(len, false);
				this.delegate.write(buffer, off, len);
				GuardedResponse.this.written += len;
			}
			catch (RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void write(String text, int off, int len) throws IOException {
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(len, false);
				this.delegate.write(text, off, len);
				GuardedResponse.this.written += len;
			}
			catch (RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void flush() throws IOException {
			if (!enter()) {
				return;
			}
			try {
				this.delegate.flush();
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

		@Override
		public void close() throws IOException {
			if (!enter()) {
				return;
			}
			boolean completes = false;
			try {
				completes = completes(0, true);
				this.delegate.close();
			}
			catch (RuntimeException ex) {
				failed(ex, completes);
			}
			finally {
				GuardedResponse.this.lock.unlock();
			}
		}

	}

}
