package io.github.connectionhandling.it;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The documented caveat of the CPU clock: the JVM cannot measure a virtual thread's CPU
 * time, so for request threads that are virtual the limiter counts wall time, and
 * sleeping does count. Needs Java 21+ (run with JAVA_HOME at a newer JDK); the subclasses are disabled below.
 */
abstract class AbstractVirtualThreadCpuClockTests {

	static final String VIRTUAL_THREADS = "spring.threads.virtual.enabled=true";

	private static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Test
	void sleepingOnAVirtualThreadCountsAsWallTime() throws Exception {
		try (RawHttp client = RawHttp.connect(this.port)) {
			RawHttp.Response response = client.get("/tl/sleep?tag=virtual&ms=3000").readResponse(WAIT);
			AbstractTimeLimitTests.assertProblem(response, 503, "/tl/sleep", "PT1S");
		}
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.events.of("virtual")).contains("shutdown:2"));
		assertThat(this.events.of("virtual")).contains("virtual=true", "interrupted");
	}

}
