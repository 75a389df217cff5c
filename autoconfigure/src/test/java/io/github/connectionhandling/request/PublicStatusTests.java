package io.github.connectionhandling.request;

import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Application code sees a request only as a {@link ConnectionStatus}: from
 * {@code current()} and in its callbacks, one object per request, with no public way
 * back to the lifecycle's handle.
 */
class PublicStatusTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ofSeconds(30), false, false));

	@AfterEach
	void stop() {
		this.lifecycle.destroy();
	}

	@Test
	void theStatusIsNotTheHandleAndIsTheSameEverywhere() {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, null, "HTTP/1.1"), null, false);
		List<ConnectionStatus> seen = new ArrayList<>();
		ConnectionStatus current;
		try (CurrentRequest.Binding binding = CurrentRequest.bind(handle)) {
			current = ConnectionStatus.current();
			current.onShutdown(seen::add);
		}
		this.lifecycle.finish(handle);
		assertThat(current).isNotInstanceOf(RequestHandle.class).isSameAs(handle.status());
		assertThat(seen).containsExactly(current);
		assertThat(RequestHandle.class.getInterfaces()).doesNotContain(ConnectionStatus.class);
		assertThat(current.getClass().getDeclaredFields())
			.allMatch((field) -> Modifier.isPrivate(field.getModifiers()));
		assertThat(Modifier.isPublic(current.getClass().getModifiers())).isFalse();
	}

	@Test
	void theStatusDelegatesEverySetting() {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, null, "HTTP/1.1"), null, false);
		ConnectionStatus status = handle.status();
		assertThat(status.isNormal()).isTrue();
		assertThat(status.ignoreUserAbort(true)).isFalse();
		assertThat(handle.isUserAbortIgnored()).isTrue();
		status.setTimeLimit(Duration.ofSeconds(7));
		assertThat(handle.getTimeLimit()).isEqualTo(Duration.ofSeconds(7));
		this.lifecycle.signal(handle, ConnectionStatus.TIMEOUT, "timeout");
		assertThat(status.bits()).isEqualTo(ConnectionStatus.TIMEOUT);
		assertThat(status.isTimedOut()).isTrue();
		this.lifecycle.finish(handle);
	}

}
