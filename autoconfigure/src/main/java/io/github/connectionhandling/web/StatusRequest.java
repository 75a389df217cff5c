package io.github.connectionhandling.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Collection;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import org.jspecify.annotations.Nullable;

/**
 * The request as the application sees it: tells the lifecycle when the body has been
 * read to its end (the moment the disconnect watch may start), and wraps the async
 * context so that the listeners Spring adds can be told of an abort, as the container
 * would tell them of a failed write.
 */
final class StatusRequest extends HttpServletRequestWrapper {

	private final RequestHandle handle;

	private final RequestLifecycle lifecycle;

	private final AtomicBoolean bodyPending;

	private final long contentLength;

	private @Nullable ServletInputStream inputStream;

	private @Nullable BufferedReader reader;

	private volatile @Nullable StatusAsyncContext asyncContext;

	/**
	 * Whether the dispatch that started the request is still running: Spring MVC may
	 * still be setting up the async handling it started (an emitter flushes its early
	 * sends before it registers its error callback), so failing the async context now
	 * could reach Spring before the application's callbacks; the filter fails it when
	 * that dispatch returns.
	 */
	private volatile boolean initialDispatch = true;

	/** Whether a stop ran; the filter fails the async context for it after that dispatch. */
	private volatile boolean stopDeferred;

	StatusRequest(HttpServletRequest request, RequestHandle handle, RequestLifecycle lifecycle, boolean bodyPending) {
		super(request);
		this.handle = handle;
		this.lifecycle = lifecycle;
		this.bodyPending = new AtomicBoolean(bodyPending);
		this.contentLength = request.getContentLengthLong();
	}

	RequestHandle handle() {
		return this.handle;
	}

	@Nullable StatusAsyncContext statusAsyncContext() {
		return this.asyncContext;
	}

	boolean inInitialDispatch() {
		return this.initialDispatch;
	}

	void endInitialDispatch() {
		this.initialDispatch = false;
	}

	void deferStop() {
		this.stopDeferred = true;
	}

	boolean stopDeferred() {
		return this.stopDeferred;
	}

	/**
	 * Return whether a request has a body that has not been read yet.
	 * @param request the request
	 * @return whether it has a body
	 */
	static boolean hasBody(HttpServletRequest request) {
		return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
	}

	void bodyConsumed() {
		if (this.bodyPending.compareAndSet(true, false)) {
			this.lifecycle.bodyConsumed(this.handle);
		}
	}

	@Override
	public ServletInputStream getInputStream() throws IOException {
		ServletInputStream stream = this.inputStream;
		if (stream == null) {
			stream = super.getInputStream();
			if (this.bodyPending.get()) {
				stream = new TrackingInputStream(stream);
			}
			this.inputStream = stream;
		}
		return stream;
	}

	@Override
	public BufferedReader getReader() throws IOException {
		BufferedReader reader = this.reader;
		if (reader == null) {
			reader = super.getReader();
			if (this.bodyPending.get()) {
				reader = new BufferedReader(new TrackingReader(reader), 1);
			}
			this.reader = reader;
		}
		return reader;
	}

	// The container reads form and multipart bodies itself.

	@Override
	public @Nullable String getParameter(String name) {
		try {
			return super.getParameter(name);
		}
		finally {
			formRead();
		}
	}

	@Override
	public Map<String, String[]> getParameterMap() {
		try {
			return super.getParameterMap();
		}
		finally {
			formRead();
		}
	}

	@Override
	public Enumeration<String> getParameterNames() {
		try {
			return super.getParameterNames();
		}
		finally {
			formRead();
		}
	}

	@Override
	public String @Nullable [] getParameterValues(String name) {
		try {
			return super.getParameterValues(name);
		}
		finally {
			formRead();
		}
	}

	@Override
	public Collection<Part> getParts() throws IOException, ServletException {
		try {
			return super.getParts();
		}
		finally {
			formRead();
		}
	}

	@Override
	public @Nullable Part getPart(String name) throws IOException, ServletException {
		try {
			return super.getPart(name);
		}
		finally {
			formRead();
		}
	}

	private void formRead() {
		if (this.bodyPending.get() && this.inputStream == null && this.reader == null) {
			String type = getContentType();
			if (type != null && (type.startsWith("application/x-www-form-urlencoded")
					|| type.startsWith("multipart/form-data"))) {
				bodyConsumed();
			}
		}
	}

	@Override
	public AsyncContext startAsync() {
		return wrap(super.startAsync());
	}

	@Override
	public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
		return wrap(super.startAsync(request, response));
	}

	StatusAsyncContext wrap(AsyncContext context) {
		StatusAsyncContext existing = this.asyncContext;
		if (existing != null && existing.delegate() == context) {
			return existing;
		}
		StatusAsyncContext wrapped = new StatusAsyncContext(context, this.handle, this.lifecycle);
		this.asyncContext = wrapped;
		return wrapped;
	}

	@Override
	public AsyncContext getAsyncContext() {
		StatusAsyncContext context = this.asyncContext;
		return (context != null) ? context : super.getAsyncContext();
	}

	private final class TrackingInputStream extends ServletInputStream {

		private final ServletInputStream delegate;

		private long read;

		TrackingInputStream(ServletInputStream delegate) {
			this.delegate = delegate;
		}

		@Override
		public int read() throws IOException {
			return counted(this.delegate.read(), 1);
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			return counted(this.delegate.read(b, off, len), 0);
		}

		@Override
		public int readLine(byte[] b, int off, int len) throws IOException {
			return counted(this.delegate.readLine(b, off, len), 0);
		}

		private int counted(int result, int single) {
			if (result < 0) {
				bodyConsumed();
			}
			else {
				this.read += (single == 1) ? 1 : result;
				if (contentLength >= 0 && this.read >= contentLength) {
					bodyConsumed();
				}
			}
			return result;
		}

		@Override
		public int available() throws IOException {
			return this.delegate.available();
		}

		@Override
		public boolean isFinished() {
			boolean finished = this.delegate.isFinished();
			if (finished) {
				bodyConsumed();
			}
			return finished;
		}

		@Override
		public boolean isReady() {
			return this.delegate.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			this.delegate.setReadListener(new ReadListener() {

				@Override
				public void onDataAvailable() throws IOException {
					listener.onDataAvailable();
				}

				@Override
				public void onAllDataRead() throws IOException {
					bodyConsumed();
					listener.onAllDataRead();
				}

				@Override
				public void onError(Throwable ex) {
					listener.onError(ex);
				}

			});
		}

		@Override
		public void close() throws IOException {
			this.delegate.close();
		}

	}

	private final class TrackingReader extends Reader {

		private final Reader delegate;

		TrackingReader(Reader delegate) {
			this.delegate = delegate;
		}

		@Override
		public int read(char[] buffer, int off, int len) throws IOException {
			int result = this.delegate.read(buffer, off, len);
			if (result < 0) {
				bodyConsumed();
			}
			return result;
		}

		@Override
		public void close() throws IOException {
			this.delegate.close();
		}

	}

}
