package io.github.connectionhandling.sample;

import io.github.connectionhandling.ConnectionStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * PHP's connection_status() in a controller.
 */
@RestController
class StatusController {

	private static final Log logger = LogFactory.getLog(StatusController.class);

	/** The status bits of this request: 0 while the client is connected. */
	@GetMapping("/status")
	String status(ConnectionStatus status) {
		return "connection_status() = " + status.bits() + "\n";
	}

	/**
	 * Waits, the way a slow report would; leave with Ctrl-C and the close callback runs at
	 * once and the wait is interrupted.
	 */
	@GetMapping("/wait")
	String waitFor(ConnectionStatus status, @RequestParam(defaultValue = "10") int seconds)
			throws InterruptedException {
		status.onClose((s) -> logger.info("close callback: client left /wait, status " + s.bits()));
		status.onShutdown((s) -> logger.info("shutdown function: /wait ended with status " + s.bits()));
		Thread.sleep(seconds * 1000L);
		return "waited " + seconds + " s\n";
	}

}
