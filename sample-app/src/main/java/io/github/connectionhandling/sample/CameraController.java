package io.github.connectionhandling.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.TimeLimit;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The scenario the project was born from, after the PECL event example: a
 * {@code multipart/x-mixed-replace} stream that sends an HTML part every second until the
 * client leaves, and a close callback that says so the moment it does.
 */
@RestController
class CameraController {

	// ISO_LOCAL_TIME would drop the seconds on a full minute (03:28, not 03:28:00).
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

	static final String BOUNDARY = "boundarydonotcross";

	private static final Log logger = LogFactory.getLog(CameraController.class);

	private final CloseLog closeLog;

	CameraController(CloseLog closeLog) {
		this.closeLog = closeLog;
	}

	@GetMapping("/")
	@TimeLimit("0") // streams until the client leaves
	void camera(ConnectionStatus status, HttpServletRequest request, HttpServletResponse response)
			throws IOException {
		AtomicInteger parts = new AtomicInteger();
		String client = request.getRemoteAddr() + ":" + request.getRemotePort();
		status.onClose((s) -> {
			String line = "close callback: client " + client + " left after " + parts.get() + " parts";
			logger.info(line);
			this.closeLog.add(line);
		});
		response.setContentType("multipart/x-mixed-replace;boundary=" + BOUNDARY);
		response.setHeader("Connection", "close");
		OutputStream out = response.getOutputStream();
		while (!status.isAborted()) {
			int n = parts.incrementAndGet();
			String html = "<html><body><h1>Part " + n + "</h1><p>" + LocalTime.now().format(TIME) + "</p></body></html>";
			out.write(("--" + BOUNDARY + "\r\nContent-Type: text/html\r\n\r\n" + html + "\r\n")
				.getBytes(StandardCharsets.UTF_8));
			response.flushBuffer();
			try {
				Thread.sleep(1000);
			}
			catch (InterruptedException ex) {
				// The client left: the starter interrupted us.
				return;
			}
		}
	}

}
