package io.github.connectionhandling.it;

import io.github.connectionhandling.ConnectionStatus;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.slf4j.MDC;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that puts a value in the MDC and registers a close callback recording what
 * MDC value and trace it runs with.
 */
@RestController
public class CallbackContextController {

	private final Events events;

	private final Tracer tracer;

	public CallbackContextController(Events events, Tracer tracer) {
		this.events = events;
		this.tracer = tracer;
	}

	@GetMapping("/context")
	String context(ConnectionStatus status, @RequestParam String tag) {
		MDC.put("user", "user-" + tag);
		try {
			Span span = this.tracer.currentSpan();
			this.events.add(tag, "handler-trace:" + ((span != null) ? span.context().traceId() : "none"));
			status.onClose((s) -> {
				Span current = this.tracer.currentSpan();
				this.events.add(tag, "close-mdc:" + MDC.get("user"));
				this.events.add(tag, "close-trace:" + ((current != null) ? current.context().traceId() : "none"));
				this.events.add(tag, "close-thread:" + Thread.currentThread().getName());
			});
			this.events.add(tag, "started");
			Thread.sleep(10_000);
			return "slept";
		}
		catch (InterruptedException ex) {
			return "interrupted";
		}
		finally {
			MDC.remove("user");
		}
	}

}
