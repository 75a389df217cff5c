package io.github.connectionhandling.actuate;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.actuate.ConnectionsEndpoint.ConnectionsDescriptor;
import io.github.connectionhandling.actuate.ConnectionsEndpoint.RequestDescriptor;
import io.github.connectionhandling.container.ServerConnections;
import io.github.connectionhandling.observation.SlowRequestLog;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConnectionsEndpoint} and {@link ConnectionsEndpointWebExtension}.
 */
class ConnectionsEndpointTests {

	private final InFlightRequests requests = new InFlightRequests();

	private final List<String> signals = new CopyOnWriteArrayList<>();

	private final RequestLifecycle lifecycle = new RequestLifecycle(this.requests,
			List.of(new LifecycleParticipant() {
				@Override
				public void signalled(RequestHandle handle, int bit, String reason) {
					ConnectionsEndpointTests.this.signals.add(handle.getId() + ":" + bit + ":" + reason);
				}
			}), new RequestLifecycle.Settings(Duration.ofSeconds(30), false, false));

	private final ServerConnections connections = new ServerConnections();

	@AfterEach
	void destroy() {
		this.lifecycle.destroy();
	}

	@Test
	void showsCountsTotalsAndRequestsInFlight() {
		this.connections.add(new FixedConnections(2));
		this.connections.add(new FixedConnections(3));
		RequestHandle first = start("/first", "a=1");
		first.setHandler("DemoController#first()");
		RequestHandle second = start("/second", null);
		second.ignoreUserAbort(true);
		RequestHandle done = start("/done", null);
		this.lifecycle.finish(done);
		ConnectionsDescriptor descriptor = endpoint(Show.NEVER).connections();
		assertThat(descriptor.getOpen()).isEqualTo(5);
		assertThat(descriptor.getActive()).isEqualTo(2);
		assertThat(descriptor.getOrphaned()).isZero();
		assertThat(descriptor.getTotals()).isEqualTo(new InFlightRequests.Totals(1, 1, 0, 0, 0));
		assertThat(descriptor.getRequests()).extracting(RequestDescriptor::getUri).containsExactly("/first", "/second");
		RequestDescriptor request = descriptor.getRequests().get(0);
		assertThat(request.getId()).isEqualTo(first.getId());
		assertThat(request.getMethod()).isEqualTo("GET");
		assertThat(request.getProtocol()).isEqualTo("HTTP/1.1");
		assertThat(request.getStatus()).isZero();
		assertThat(request.isAborted()).isFalse();
		assertThat(request.isTimedOut()).isFalse();
		assertThat(request.isUserAbortIgnored()).isFalse();
		assertThat(Instant.parse(request.getStartedAt())).isEqualTo(first.getStartedAt());
		assertThat(Duration.parse(request.getElapsed())).isPositive();
		assertThat(request.getTimeLimit()).isEqualTo("PT30S");
		assertThat(request.getHandler()).isEqualTo("DemoController#first()");
		assertThat(request.getThreads()).isEmpty();
		assertThat(descriptor.getRequests().get(1).isUserAbortIgnored()).isTrue();
		assertThat(descriptor.getRequests().get(1).getHandler()).isNull();
	}

	@Test
	void readsAreLive() {
		ConnectionsEndpoint endpoint = endpoint(Show.NEVER);
		assertThat(endpoint.connections().getActive()).isZero();
		RequestHandle handle = start("/x", null);
		assertThat(endpoint.connections().getActive()).isOne();
		this.lifecycle.finish(handle);
		assertThat(endpoint.connections().getActive()).isZero();
		assertThat(endpoint.connections().getTotals().completed()).isOne();
	}

	@Test
	void hidesRemoteAddressAndQueryByDefault() {
		start("/x", "secret=1");
		RequestDescriptor request = endpoint(Show.NEVER).connections().getRequests().get(0);
		assertThat(request.getQuery()).isNull();
		assertThat(request.getRemoteAddress()).isNull();
	}

	@Test
	void showsRemoteAddressAndQueryWhenAlways() {
		RequestHandle handle = start("/x", "secret=1");
		ConnectionsEndpoint endpoint = endpoint(Show.ALWAYS);
		RequestDescriptor request = endpoint.connections().getRequests().get(0);
		assertThat(request.getQuery()).isEqualTo("secret=1");
		assertThat(request.getRemoteAddress()).isEqualTo("127.0.0.1:54321");
		assertThat(endpoint.request(handle.getId()).getQuery()).isEqualTo("secret=1");
		ConnectionsEndpointWebExtension web = new ConnectionsEndpointWebExtension(endpoint, Show.ALWAYS, Set.of());
		assertThat(web.connections(SecurityContext.NONE).getRequests().get(0).getQuery()).isEqualTo("secret=1");
	}

	@Test
	void whenAuthorizedShowsOverJmxAndToAuthorizedWebUsers() {
		start("/x", "secret=1");
		ConnectionsEndpoint endpoint = endpoint(Show.WHEN_AUTHORIZED);
		// Like the env endpoint: JMX callers are trusted.
		assertThat(endpoint.connections().getRequests().get(0).getQuery()).isEqualTo("secret=1");
		ConnectionsEndpointWebExtension web = new ConnectionsEndpointWebExtension(endpoint, Show.WHEN_AUTHORIZED,
				Set.of("OPS"));
		assertThat(web.connections(SecurityContext.NONE).getRequests().get(0).getQuery()).isNull();
		assertThat(web.connections(user("ADMIN")).getRequests().get(0).getQuery()).isNull();
		assertThat(web.connections(user("OPS")).getRequests().get(0).getQuery()).isEqualTo("secret=1");
		assertThat(web.connections(user("OPS")).getRequests().get(0).getRemoteAddress()).isEqualTo("127.0.0.1:54321");
	}

	@Test
	void requestById() {
		RequestHandle handle = start("/x", null);
		ConnectionsEndpoint endpoint = endpoint(Show.NEVER);
		assertThat(endpoint.request(handle.getId()).getUri()).isEqualTo("/x");
		WebEndpointResponse<RequestDescriptor> response = web(endpoint).request(SecurityContext.NONE, handle.getId());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getBody().getId()).isEqualTo(handle.getId());
	}

	@Test
	void unknownOrMalformedIdIsNotFound() {
		start("/x", null);
		ConnectionsEndpoint endpoint = endpoint(Show.NEVER);
		for (String id : List.of("zzzz", "", "../1", "1 OR 1=1", "%00", "9".repeat(200))) {
			assertThat(endpoint.request(id)).isNull();
			assertThat(endpoint.abort(id)).isNull();
			assertThat(web(endpoint).request(SecurityContext.NONE, id).getStatus()).isEqualTo(404);
			assertThat(web(endpoint).abort(SecurityContext.NONE, id).getStatus()).isEqualTo(404);
		}
		assertThat(this.signals).isEmpty();
	}

	@Test
	void abortSignalsTheRequestLikeAClientThatLeft() {
		RequestHandle handle = start("/x", null);
		List<String> closed = new CopyOnWriteArrayList<>();
		handle.onClose((status) -> closed.add("close:" + status.bits()));
		WebEndpointResponse<RequestDescriptor> response = web(endpoint(Show.NEVER)).abort(SecurityContext.NONE,
				handle.getId());
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getBody().isAborted()).isTrue();
		assertThat(response.getBody().getStatus()).isEqualTo(ConnectionStatus.ABORTED);
		assertThat(this.signals).containsExactly(handle.getId() + ":1:actuator");
		await().atMost(Duration.ofSeconds(5)).until(() -> closed.contains("close:1"));
		assertThat(handle.isStopped()).isTrue();
		this.lifecycle.finish(handle);
		assertThat(this.requests.totals().aborted()).isOne();
		// Gone now: a second abort finds nothing.
		assertThat(web(endpoint(Show.NEVER)).abort(SecurityContext.NONE, handle.getId()).getStatus()).isEqualTo(404);
	}

	@Test
	void abortTwiceSignalsOnce() {
		RequestHandle handle = start("/x", null);
		ConnectionsEndpoint endpoint = endpoint(Show.NEVER);
		assertThat(endpoint.abort(handle.getId()).isAborted()).isTrue();
		assertThat(endpoint.abort(handle.getId()).isAborted()).isTrue();
		assertThat(this.signals).hasSize(1);
	}

	@Test
	void showsTheSlowRequestStackForOneRequestWhereValuesAreShown() {
		SlowRequestLog slowRequests = new SlowRequestLog(this.requests, Duration.ofNanos(1));
		RequestHandle handle = start("/slow", "a=1");
		try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
			slowRequests.afterPropertiesSet();
			await().atMost(Duration.ofSeconds(10)).until(() -> slowRequests.get(handle) != null);
		}
		finally {
			slowRequests.destroy();
		}
		String thread = Thread.currentThread().getName();
		ConnectionsEndpoint always = new ConnectionsEndpoint(this.requests, this.connections, null, Show.ALWAYS,
				slowRequests);
		RequestDescriptor shown = always.request(handle.getId());
		assertThat(shown).isNotNull();
		assertThat(shown.getStack()).containsOnlyKeys(thread);
		assertThat(shown.getStack().get(thread)).anyMatch((frame) -> frame.contains(getClass().getName()));
		// Not in the list, and only as show-values allows.
		assertThat(always.connections().getRequests()).allMatch((request) -> request.getStack() == null);
		ConnectionsEndpoint never = new ConnectionsEndpoint(this.requests, this.connections, null, Show.NEVER,
				slowRequests);
		assertThat(never.request(handle.getId()).getStack()).isNull();
		ConnectionsEndpointWebExtension web = new ConnectionsEndpointWebExtension(
				new ConnectionsEndpoint(this.requests, this.connections, null, Show.WHEN_AUTHORIZED, slowRequests),
				Show.WHEN_AUTHORIZED, Set.of("OPS"));
		assertThat(web.request(user("OPS"), handle.getId()).getBody().getStack()).containsOnlyKeys(thread);
		assertThat(web.request(user("DEV"), handle.getId()).getBody().getStack()).isNull();
		// Without a slow-request log, nothing.
		assertThat(endpoint(Show.ALWAYS).request(handle.getId()).getStack()).isNull();
		this.lifecycle.finish(handle);
	}

	private ConnectionsEndpoint endpoint(Show show) {
		return new ConnectionsEndpoint(this.requests, this.connections, null, show);
	}

	private static ConnectionsEndpointWebExtension web(ConnectionsEndpoint endpoint) {
		return new ConnectionsEndpointWebExtension(endpoint, Show.NEVER, Set.of());
	}

	private RequestHandle start(String uri, @Nullable String query) {
		return this.lifecycle.start(new RequestInfo("GET", uri, query, "127.0.0.1:54321", "HTTP/1.1"), null, false);
	}

	private static SecurityContext user(String role) {
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return () -> "alice";
			}

			@Override
			public boolean isUserInRole(String candidate) {
				return role.equals(candidate);
			}

		};
	}

}
