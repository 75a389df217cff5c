package io.github.connectionhandling.web;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import io.github.connectionhandling.TimeoutProblemCustomizer;
import io.github.connectionhandling.request.RequestHandle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;

/**
 * Renders the problem that answers a timed-out request: Spring's {@link ProblemDetail},
 * customized by the application's {@link TimeoutProblemCustomizer}s and written by the
 * first of its message converters that writes {@code application/problem+json}, as
 * Spring MVC renders its own errors. Without such a converter, a minimal JSON rendering.
 */
public final class TimeoutProblems {

	private static final Log logger = LogFactory.getLog(TimeoutProblems.class);

	/** No customizers, no converters: the minimal rendering. */
	static final TimeoutProblems PLAIN = new TimeoutProblems(List::of, List.of());

	private final Supplier<List<HttpMessageConverter<?>>> converters;

	private final List<TimeoutProblemCustomizer> customizers;

	/**
	 * Create the renderer.
	 * @param converters the application's message converters, looked up when needed
	 * @param customizers the customizers, in order
	 */
	public TimeoutProblems(Supplier<List<HttpMessageConverter<?>>> converters,
			List<TimeoutProblemCustomizer> customizers) {
		this.converters = converters;
		this.customizers = List.copyOf(customizers);
	}

	ProblemDetail problem(int status, RequestHandle handle) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(status),
				"The request exceeded its execution time limit of " + handle.getTimeLimit() + ".");
		HttpStatus resolved = HttpStatus.resolve(status);
		problem.setTitle((resolved != null) ? resolved.getReasonPhrase() : "Error");
		try {
			problem.setInstance(URI.create(handle.getInfo().uri()));
		}
		catch (IllegalArgumentException ex) {
			// not a valid URI reference: leave it out
		}
		for (TimeoutProblemCustomizer customizer : this.customizers) {
			try {
				customizer.customize(problem, handle.status());
			}
			catch (RuntimeException ex) {
				logger.error("Timeout problem customizer " + customizer + " failed on request " + handle.getId(), ex);
			}
		}
		return problem;
	}

	Rendered render(int status, RequestHandle handle) {
		ProblemDetail problem = problem(status, handle);
		for (HttpMessageConverter<?> converter : this.converters.get()) {
			if (converter.canWrite(ProblemDetail.class, MediaType.APPLICATION_PROBLEM_JSON)) {
				try {
					return write(converter, problem);
				}
				catch (Exception ex) {
					logger.debug("Cannot render the timeout problem of request " + handle.getId() + " with "
							+ converter, ex);
				}
			}
		}
		return new Rendered(minimal(problem), MediaType.APPLICATION_PROBLEM_JSON_VALUE);
	}

	@SuppressWarnings("unchecked")
	private static Rendered write(HttpMessageConverter<?> converter, ProblemDetail problem) throws Exception {
		Buffer buffer = new Buffer();
		((HttpMessageConverter<Object>) converter).write(problem, MediaType.APPLICATION_PROBLEM_JSON, buffer);
		MediaType type = buffer.headers.getContentType();
		return new Rendered(buffer.body.toByteArray(),
				(type != null) ? type.toString() : MediaType.APPLICATION_PROBLEM_JSON_VALUE);
	}

	/** RFC 9457's members only, for applications without a JSON converter. */
	private static byte[] minimal(ProblemDetail problem) {
		StringBuilder json = new StringBuilder("{\"type\":\"").append(escape(String.valueOf(problem.getType())))
			.append("\",\"title\":\"").append(escape(String.valueOf(problem.getTitle())))
			.append("\",\"status\":").append(problem.getStatus());
		if (problem.getDetail() != null) {
			json.append(",\"detail\":\"").append(escape(problem.getDetail())).append('"');
		}
		if (problem.getInstance() != null) {
			json.append(",\"instance\":\"").append(escape(problem.getInstance().toString())).append('"');
		}
		return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
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
	 * A rendered problem.
	 *
	 * @param body its bytes
	 * @param contentType its content type
	 */
	record Rendered(byte[] body, String contentType) {

	}

	private static final class Buffer implements HttpOutputMessage {

		final HttpHeaders headers = new HttpHeaders();

		final ByteArrayOutputStream body = new ByteArrayOutputStream(256);

		@Override
		public OutputStream getBody() {
			return this.body;
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.headers;
		}

	}

}
