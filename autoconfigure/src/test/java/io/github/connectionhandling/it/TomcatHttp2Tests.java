package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * Tomcat has no stream-failure signal the starter can hook: a reset HTTP/2 stream is
 * noticed at its next write or its time limit (see docs/detection.md).
 */
@SpringBootTest(classes = { DetectionApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "server.http2.enabled=true")
class TomcatHttp2Tests extends AbstractHttp2Tests {

}
