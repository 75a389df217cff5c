package io.github.connectionhandling.it.integration;

import java.time.Duration;
import java.util.concurrent.Future;

import io.github.connectionhandling.it.Events;
import io.github.connectionhandling.it.OnTomcat;
import io.github.connectionhandling.it.RawHttp;
import io.github.connectionhandling.request.InFlightRequests;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Async} work a request starts on the auto-configured executor sees the request's
 * {@code ConnectionStatus}, is interrupted when the request's client goes away, and, if it
 * has not started by then, never runs. One executor thread, so the second task waits
 * behind the first.
 */
@SpringBootTest(classes = { IntegrationApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.task.execution.pool.core-size=1", "spring.task.execution.pool.max-size=1" })
class AsyncCancellationTests {

	@LocalServerPort
	int port;

	@Autowired
	Events events;

	@Autowired
	IntegrationController controller;

	@Autowired
	InFlightRequests requests;

	@Test
	void asyncTasksCarryTheStatusAndAreCancelledWithTheRequest() throws Exception {
		String tag = "async";
		RawHttp client = RawHttp.connect(this.port).get("/async?tag=" + tag);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "task-started:same=true"));
		Future<String> queued = this.controller.futures.get(tag + "-queued");
		assertThat(queued).isNotNull();
		assertThat(queued.isDone()).isFalse();
		client.close();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.events.has(tag, "task-interrupted:1"));
		// The caller may see the interrupt or, if the task answered first, the task's result.
		await().atMost(Duration.ofSeconds(10)).until(queued::isDone);
		assertThat(queued.isCancelled()).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(this.requests::isEmpty);
		// The executor's thread is free again and the queued task's body never ran.
		Thread.sleep(300);
		assertThat(this.events.of(tag)).doesNotContain("queued-task-ran", "task-slept");
	}

	@Test
	void tasksSubmittedOutsideRequestsAreLeftAlone() throws Exception {
		String tag = "outside";
		String result = this.controller.asyncOutside(tag);
		assertThat(result).isEqualTo("no status");
		assertThat(this.events.of(tag)).containsExactly("task-no-status");
	}

}
