package io.github.connectionhandling.web;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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


/**
 * The response as the application sees it. Once its request is aborted or timed out,
 * everything the application writes is discarded without an error (the client is gone,
 * or has had its answer). Writes hold a lock that lets another thread take the response
 * over, to answer a timed-out request on time even while its handler is still running.
 * <p>
 * Longer than most files here because it overrides every status, header and body method
 * of the response under that one lock: split up, the lock and the rule that a stopped
 * request's output is discarded would be spread over several classes.
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

	private final TimeoutProblems problems;

	GuardedResponse(HttpServletResponse response, RequestHandle handle) {
		this(response, handle, TimeoutProblems.PLAIN);
	}

	GuardedResponse(HttpServletResponse response, RequestHandle handle, TimeoutProblems problems) {
		super(response);
		this.handle = handle;
		this.problems = problems;
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
			TimeoutProblems.Rendered problem = this.problems.render(status, this.handle);
			real.reset();
			real.setStatus(status);
			real.setContentType(problem.contentType());
			real.setHeader("Connection", "close");
			real.setContentLength(problem.body().length);
			if (this.writerUsed) {
				PrintWriter out = real.getWriter();
				out.write(new String(problem.body(), StandardCharsets.UTF_8));
				out.flush();
			}
			else {
				real.getOutputStream().write(problem.body());
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
		if (!isHttp1()) {
			// A multiplexed connection carries other streams: only this one is cut off.
			connection.resetStream();
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

	/**
	 * End an aborted request's response on the request thread, before the container
	 * completes it: the work was stopped (or its output discarded), so the client must
	 * not get a success for output it never had. On HTTP/1.x the connection is closed
	 * without a response if nothing was committed, and cut off otherwise, so that a
	 * client still reading (one that only half-closed its side) sees an incomplete
	 * exchange, as nginx's 499. On HTTP/2 the container drops the stream's response.
	 */
	void dismissAborted() {
		this.lock.lock();
		try {
			if (this.handle.isResponded() || !isHttp1()) {
				return;
			}
			HttpServletResponse real = real();
			if (!real.isCommitted()) {
				real.setHeader("Connection", "close");
			}
			closeConnection();
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean isHttp1() {
		String protocol = this.handle.getInfo().protocol();
		return protocol.startsWith("HTTP/1") || protocol.startsWith("HTTP/0");
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
		write(this, null, 0, 0, FLUSH, FLUSH_BUFFER);
	}

	@Override
	public void sendError(int sc, String msg) throws IOException {
		write(this, msg, sc, 0, FLUSH, SEND_ERROR);
	}

	@Override
	public void sendError(int sc) throws IOException {
		write(this, null, sc, 0, FLUSH, SEND_ERROR);
	}

	@Override
	public void sendRedirect(String location) throws IOException {
		write(this, location, 0, 0, FLUSH, SEND_REDIRECT);
	}

	@Override
	public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
		write(this, location, sc, clearBuffer ? 1 : 0, FLUSH, SEND_REDIRECT);
	}

	// Status and headers: under the lock too, so that they never race the thread that
	// replaces the response with a timeout answer; dropped once the output is discarded.

	@Override
	public void setStatus(int sc) {
		if (enter()) {
			try {
				super.setStatus(sc);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void setHeader(String name, @Nullable String value) {
		if (enter()) {
			try {
				super.setHeader(name, value);
				declaredLength(name, value);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void addHeader(String name, @Nullable String value) {
		if (enter()) {
			try {
				super.addHeader(name, value);
				declaredLength(name, value);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void setIntHeader(String name, int value) {
		if (enter()) {
			try {
				super.setIntHeader(name, value);
				declaredLength(name, Integer.toString(value));
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void addIntHeader(String name, int value) {
		if (enter()) {
			try {
				super.addIntHeader(name, value);
				declaredLength(name, Integer.toString(value));
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void setDateHeader(String name, long date) {
		if (enter()) {
			try {
				super.setDateHeader(name, date);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void addDateHeader(String name, long date) {
		if (enter()) {
			try {
				super.addDateHeader(name, date);
			}
			finally {
				this.lock.unlock();
			}
		}
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
	public void setContentType(@Nullable String type) {
		if (enter()) {
			try {
				super.setContentType(type);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void setCharacterEncoding(@Nullable String encoding) {
		if (enter()) {
			try {
				super.setCharacterEncoding(encoding);
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void setContentLength(int len) {
		setContentLengthLong(len);
	}

	@Override
	public void setContentLengthLong(long len) {
		if (enter()) {
			try {
				super.setContentLengthLong(len);
				this.contentLength = len;
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void reset() {
		if (enter()) {
			try {
				super.reset();
				this.contentLength = -1;
				this.written = 0;
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	@Override
	public void resetBuffer() {
		if (enter()) {
			try {
				super.resetBuffer();
			}
			finally {
				this.lock.unlock();
			}
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
	private boolean completes(int count) {
		long length = this.contentLength;
		boolean completes = count == CLOSE
				|| (count > 0 && length > 0 && this.written < length && this.written + count >= length);
		if (completes) {
			this.handle.markResponded();
		}
		return completes;
	}

	/**
	 * Take the lock for output, unless the output is discarded: then return
	 * {@code false} without it.
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

	/** {@code count} of a write that does not add to the body (flush, send error). */
	private static final int FLUSH = -1;

	/** {@code count} of a write that closes the output: it ends the response. */
	private static final int CLOSE = -2;

	/**
	 * The one guarded write: under the lock unless the output is discarded, counting
	 * towards the declared length, and swallowing the failure of a write whose output is
	 * discarded by the time it fails (the client is gone, or was answered by another
	 * thread). The operations are constants, not capturing lambdas: every response
	 * writes through here.
	 * @param target what to write to
	 * @param data what to write, if the operation takes an object
	 * @param off an offset, or the operation's int argument
	 * @param len a length, or the operation's second int argument
	 * @param count the bytes (chars) it adds to the body, {@link #FLUSH} or {@link #CLOSE}
	 * @param operation the write
	 */
	private <T, D> void write(T target, @Nullable D data, int off, int len, int count, Write<T, D> operation)
			throws IOException {
		if (!enter()) {
			return;
		}
		boolean completes = false;
		IOException failed = null;
		try {
			completes = completes(count);
			operation.write(target, data, off, len);
			if (count > 0) {
				this.written += count;
			}
		}
		catch (IOException | RuntimeException ex) {
			if (completes) {
				this.handle.unmarkResponded();
			}
			if (ex instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (!discarding()) {
				failed = (IOException) ex;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (failed != null) {
			// The container failed the write because the client is gone (Tomcat's
			// ClientAbortException, Jetty's EofException, a reset HTTP/2 stream): an abort,
			// whatever the handler does with the exception, and marked before the writer
			// hears of it (it may end its work before the watch notices).
			Disconnects.signalIfDisconnect(this.handle, failed);
			throw failed;
		}
	}

	@FunctionalInterface
	private interface Write<T, D> {

		void write(T target, @Nullable D data, int off, int len) throws IOException;

	}

	private static final Write<GuardedResponse, Object> FLUSH_BUFFER = (r, d, off, len) -> r.getResponse()
		.flushBuffer();

	private static final Write<GuardedResponse, String> SEND_ERROR = (r, message, sc, len) -> {
		if (message != null) {
			r.real().sendError(sc, message);
		}
		else {
			r.real().sendError(sc);
		}
	};

	private static final Write<GuardedResponse, String> SEND_REDIRECT = (r, location, sc, clear) -> {
		if (sc == 0) {
			r.real().sendRedirect(location);
		}
		else {
			r.real().sendRedirect(location, sc, clear != 0);
		}
	};

	private static final Write<OutputStream, byte[]> BYTES = (out, b, off, len) -> out.write(b, off, len);

	private static final Write<OutputStream, Object> BYTE = (out, d, b, len) -> out.write(b);

	private static final Write<Writer, char[]> CHARS = (out, c, off, len) -> out.write(c, off, len);

	private static final Write<Writer, String> STRING = (out, text, off, len) -> out.write(text, off, len);

	private static final Write<Flushable, Object> FLUSH_TARGET = (out, d, off, len) -> out.flush();

	private static final Write<Closeable, Object> CLOSE_TARGET = (out, d, off, len) -> out.close();

	private final class GuardedOutputStream extends ServletOutputStream {

		private final ServletOutputStream delegate;

		GuardedOutputStream(ServletOutputStream delegate) {
			this.delegate = delegate;
		}

		@Override
		public void write(int b) throws IOException {
			GuardedResponse.this.write(this.delegate, null, b, 1, 1, BYTE);
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			GuardedResponse.this.write(this.delegate, b, off, len, len, BYTES);
		}

		@Override
		public void flush() throws IOException {
			GuardedResponse.this.write(this.delegate, null, 0, 0, FLUSH, FLUSH_TARGET);
		}

		@Override
		public void close() throws IOException {
			// Closing the stream ends the response, chunked or not.
			GuardedResponse.this.write(this.delegate, null, 0, 0, CLOSE, CLOSE_TARGET);
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
			GuardedResponse.this.write(this.delegate, buffer, off, len, len, CHARS);
		}

		@Override
		public void write(String text, int off, int len) throws IOException {
			GuardedResponse.this.write(this.delegate, text, off, len, len, STRING);
		}

		@Override
		public void flush() throws IOException {
			GuardedResponse.this.write(this.delegate, null, 0, 0, FLUSH, FLUSH_TARGET);
		}

		@Override
		public void close() throws IOException {
			GuardedResponse.this.write(this.delegate, null, 0, 0, CLOSE, CLOSE_TARGET);
		}

	}

}
