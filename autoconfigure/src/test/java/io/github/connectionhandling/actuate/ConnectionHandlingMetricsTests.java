package io.github.connectionhandling.actuate;

import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectionHandlingMetrics}.
 */
class ConnectionHandlingMetricsTests {

	private final InFlightRequests requests = new InFlightRequests();

	private final ServerConnections connections = new ServerConnections();

	private final ConnectionHandlingMetrics metrics = new ConnectionHandlingMetrics(this.requests, this.connections,
			null);

	private final RequestLifecycle lifecycle = new RequestLifecycle(this.requests, List.of(this.metrics),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@AfterEach
	void destroy() {
		this.lifecycle.destroy();
	}

	@Test
	void gaugesFollowTheServerAndTheRequests() {
		this.metrics.bindTo(this.registry);
		this.connections.add(new FixedConnections(4));
		this.connections.add(new FixedConnections(1));
		assertThat(this.registry.get("connection.handling.connections.open").gauge().value()).isEqualTo(5);
		assertThat(this.registry.get("connection.handling.requests.active").gauge().value()).isZero();
		RequestHandle handle = start();
		assertThat(this.registry.get("connection.handling.requests.active").gauge().value()).isOne();
		this.lifecycle.finish(handle);
		assertThat(this.registry.get("connection.handling.requests.active").gauge().value()).isZero();
		assertThat(this.registry.get("connection.handling.requests.completed").functionCounter().count()).isOne();
		// No reaper: no orphan gauge rather than a made-up 0.
		assertThat(this.registry.find("connection.handling.connections.orphaned").gauge()).isNull();
	}

	@Test
	void countersStartAtZero() {
		this.metrics.bindTo(this.registry);
		assertThat(aborted("client")).isZero();
		assertThat(aborted("actuator")).isZero();
		assertThat(this.registry.get("connection.handling.requests.timed.out").counter().count()).isZero();
		assertThat(this.registry.get("connection.handling.connections.reaped").functionCounter().count()).isZero();
	}

	@Test
	void abortsAreCountedByReasonAndTheirCallbacksTimed() {
		this.metrics.bindTo(this.registry);
		RequestHandle client = start();
		client.signal(ConnectionStatus.ABORTED, "client");
		client.signal(ConnectionStatus.ABORTED, "client");
		RequestHandle actuator = start();
		actuator.signal(ConnectionStatus.ABORTED, "actuator");
		// Counted off the signalling thread, once the close callbacks ran.
		await().atMost(Duration.ofSeconds(5))
			.until(() -> abortCallbacks("client") == 1 && abortCallbacks("actuator") == 1);
		assertThat(aborted("client")).isOne();
		assertThat(aborted("actuator")).isOne();
	}

	@Test
	void timeoutsAreCounted() {
		this.metrics.bindTo(this.registry);
		start().signal(ConnectionStatus.TIMEOUT, "timeout");
		assertThat(this.registry.get("connection.handling.requests.timed.out").counter().count()).isOne();
		assertThat(aborted("client")).isZero();
	}

	@Test
	void reapedConnectionsAreCounted() {
		this.metrics.bindTo(this.registry);
		this.requests.reaped();
		this.requests.reaped();
		assertThat(this.registry.get("connection.handling.connections.reaped").functionCounter().count()).isEqualTo(2);
	}

	@Test
	void unboundMetricsIgnoreSignals() {
		start().signal(ConnectionStatus.ABORTED, "client");
		this.metrics.bindTo(this.registry);
		assertThat(aborted("client")).isZero();
	}

	private double aborted(String reason) {
		return this.registry.get("connection.handling.requests.aborted").tag("reason", reason).counter().count();
	}

	private long abortCallbacks(String reason) {
		return this.registry.get("connection.handling.abort.callbacks").tag("reason", reason).timer().count();
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/x", null, null, "HTTP/1.1"), null, false);
	}

}
