package io.github.connectionhandling.sample;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.TimeLimit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * PHP's set_time_limit() in a controller: an endpoint with its own limit, whose client is
 * answered at the limit even though its work ignores interruption.
 */
@RestController
class TimeLimitController {

	private static final Log logger = LogFactory.getLog(TimeLimitController.class);

	/**
	 * A legacy report that swallows interrupts. Its client still gets a 503 problem at the
	 * limit (2 s unless {@code sample.report-limit} says otherwise); what it returns later
	 * goes nowhere, and the shutdown function sees status 2.
	 */
	@TimeLimit("${sample.report-limit:2s}")
	@GetMapping("/legacy-report")
	String legacyReport(ConnectionStatus status, @RequestParam(defaultValue = "5") int seconds) {
		status.onShutdown((s) -> logger.debug("legacy report ended with status " + s.bits()));
		long end = System.nanoTime() + seconds * 1_000_000_000L;
		while (System.nanoTime() < end) {
			try {
				Thread.sleep(Math.max(1, (end - System.nanoTime()) / 1_000_000));
			}
			catch (InterruptedException ex) {
				// what legacy code does
			}
		}
		return "report after " + seconds + " s, status " + status.bits() + "\n";
	}

}
