package io.github.connectionhandling.sample;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * PHP's connection handling functions, each in a few lines of controller code.
 */
@RestController
@RequestMapping("/php")
class PhpController {

	private static final Log logger = LogFactory.getLog(PhpController.class);

	private final List<String> reports = new CopyOnWriteArrayList<>();

	/** connection_status(): 0 while the client is here. */
	@GetMapping("/status")
	String status(ConnectionStatus status) {
		return "connection_status() = " + status.bits() + ", connection_aborted() = " + status.isAborted()
				+ ", time limit = " + status.getTimeLimit() + "\n";
	}

	/**
	 * ignore_user_abort(true): a report that keeps running after its client leaves,
	 * finishes, and stores its result; the shutdown function sees bit 1 if the client left.
	 */
	@GetMapping("/report")
	@IgnoreUserAbort
	String report(ConnectionStatus status, @RequestParam(defaultValue = "5") int seconds)
			throws InterruptedException {
		status.onShutdown((s) -> logger.info("report shutdown function: connection_status() = " + s.bits()));
		Thread.sleep(seconds * 1000L);
		String result = "report of " + seconds + " s done, client " + (status.isAborted() ? "gone" : "still here");
		this.reports.add(result);
		logger.info(result);
		return result + "\n";
	}

	/** The reports that finished, also those whose client left. */
	@GetMapping("/reports")
	List<String> reports() {
		return this.reports;
	}

	/** max_execution_time: a slow endpoint answered with the timeout status after 2 s. */
	@GetMapping("/slow")
	@TimeLimit("2s")
	String slow(@RequestParam(defaultValue = "5") int seconds) throws InterruptedException {
		Thread.sleep(seconds * 1000L);
		// Seen only on the CPU clock, where sleeping does not count toward the limit.
		return "slept " + seconds + " s within the time limit\n";
	}

	/**
	 * set_time_limit(): each step restarts the 1 s clock, so 3 steps of 0.6 s finish under a
	 * 1 s limit.
	 */
	@GetMapping("/steps")
	@TimeLimit("1s")
	String steps(ConnectionStatus status, @RequestParam(defaultValue = "3") int steps) throws InterruptedException {
		for (int i = 0; i < steps; i++) {
			status.setTimeLimit(Duration.ofSeconds(1));
			Thread.sleep(600);
		}
		return steps + " steps done under a restarting 1 s limit\n";
	}

	/**
	 * The CPU clock: with connection-handling.time-limit-clock=cpu, sleeping does not count
	 * and this 3 s wait finishes under a 1 s limit; with the wall clock it is answered 503.
	 */
	@GetMapping("/sleepy")
	@TimeLimit("1s")
	String sleepy(@RequestParam(defaultValue = "3") int seconds) throws InterruptedException {
		Thread.sleep(seconds * 1000L);
		return "slept " + seconds + " s: the limit counts CPU time\n";
	}

	/** A busy loop under a 1 s limit: stopped on either clock. */
	@GetMapping("/busy")
	@TimeLimit("1s")
	String busy(ConnectionStatus status) {
		long spins = 0;
		while (true) {
			status.checkpoint(); // throws once the limit ran out
			spins++;
		}
	}

}
