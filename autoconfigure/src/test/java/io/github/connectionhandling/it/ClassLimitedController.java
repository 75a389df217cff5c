package io.github.connectionhandling.it;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.TimeLimit;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A controller with a class-level {@link TimeLimit} that some methods override.
 */
@RestController
@TimeLimit("600ms")
public class ClassLimitedController {

	private final Events events;

	public ClassLimitedController(Events events) {
		this.events = events;
	}

	private String run(ConnectionStatus status, String tag, long millis) {
		this.events.add(tag, "limit:" + status.getTimeLimit());
		status.onShutdown((s) -> this.events.add(tag, "shutdown:" + s.bits()));
		try {
			Thread.sleep(millis);
			this.events.add(tag, "slept");
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "interrupted");
		}
		return "finished " + status.bits() + " " + status.getTimeLimit();
	}

	@GetMapping("/tlc/class")
	String classLimit(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "5000") long ms) {
		return run(status, tag, ms);
	}

	@TimeLimit("3s")
	@GetMapping("/tlc/method")
	String methodLimit(ConnectionStatus status, @RequestParam String tag,
			@RequestParam(defaultValue = "1400") long ms) {
		return run(status, tag, ms);
	}

	@TimeLimit("0")
	@GetMapping("/tlc/zero")
	String zero(ConnectionStatus status, @RequestParam String tag, @RequestParam(defaultValue = "1400") long ms) {
		return run(status, tag, ms);
	}

}
