package io.github.connectionhandling.it;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints for the actuator tests, on top of {@link ScenarioController}.
 */
@RestController
public class ConnectionsScenarioController {

	/**
	 * Switches protocols to a handler that never reads: once the 101 is sent no request is
	 * in flight, and the container keeps the connection without a reader. When the client
	 * closes, the socket stays in CLOSE_WAIT: a real orphan.
	 */
	@GetMapping("/upgrade-and-forget")
	void upgradeAndForget(HttpServletRequest request, HttpServletResponse response)
			throws IOException, ServletException {
		response.setHeader("Connection", "Upgrade");
		response.setHeader("Upgrade", "forgetful");
		request.upgrade(ForgetfulUpgradeHandler.class);
	}

	/**
	 * An upgraded protocol that neither reads nor writes nor closes.
	 */
	public static class ForgetfulUpgradeHandler implements HttpUpgradeHandler {

		@Override
		public void init(WebConnection connection) {
		}

		@Override
		public void destroy() {
		}

	}

}
