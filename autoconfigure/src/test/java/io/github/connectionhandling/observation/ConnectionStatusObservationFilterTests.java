package io.github.connectionhandling.observation;

import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link ConnectionStatusObservationFilter} adds to a server request observation, by
 * the request's status bits, and what it leaves alone.
 */
class ConnectionStatusObservationFilterTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, true, false));

	private final ConnectionStatusObservationFilter filter = new ConnectionStatusObservationFilter();

	private final MockHttpServletRequest request = new MockHttpServletRequest("GET", "/report");

	@AfterEach
	void destroy() {
		this.lifecycle.destroy();
	}

	@Test
	void valuesNameTheBits() {
		assertThat(ConnectionStatusObservationFilter.value(ConnectionStatus.NORMAL)).isEqualTo("NORMAL");
		assertThat(ConnectionStatusObservationFilter.value(ConnectionStatus.ABORTED)).isEqualTo("ABORTED");
		assertThat(ConnectionStatusObservationFilter.value(ConnectionStatus.TIMEOUT)).isEqualTo("TIMEOUT");
		assertThat(ConnectionStatusObservationFilter.value(ConnectionStatus.ABORTED | ConnectionStatus.TIMEOUT))
			.isEqualTo("ABORTED_TIMEOUT");
	}

	@Test
	void normalRequestIsNormalWithNoError() {
		start();
		ServerRequestObservationContext context = context("none");
		this.filter.map(context);
		assertThat(context.getLowCardinalityKeyValue("connection.status").getValue()).isEqualTo("NORMAL");
		assertThat(context.getError()).isNull();
		assertThat(context.getLowCardinalityKeyValue("exception").getValue()).isEqualTo("none");
	}

	@Test
	void abortedAndTimedOutRequestIsBothWithTheStarterErrorWhereThereWasNone() {
		RequestHandle handle = start();
		handle.signal(ConnectionStatus.ABORTED, "client");
		handle.signal(ConnectionStatus.TIMEOUT, "timeout");
		ServerRequestObservationContext context = context("none");
		this.filter.map(context);
		assertThat(context.getLowCardinalityKeyValue("connection.status").getValue()).isEqualTo("ABORTED_TIMEOUT");
		assertThat(context.getError()).isInstanceOf(RequestStoppedException.class);
		assertThat(((RequestStoppedException) context.getError()).getBits()).isEqualTo(3);
		assertThat(context.getLowCardinalityKeyValue("exception").getValue()).isEqualTo("RequestStoppedException");
	}

	@Test
	void theRequestsOwnErrorAndAConventionsOwnKeysAreKept() {
		RequestHandle handle = start();
		handle.signal(ConnectionStatus.ABORTED, "client");
		ServerRequestObservationContext context = context("IllegalStateException");
		IllegalStateException own = new IllegalStateException("boom");
		context.setError(own);
		this.filter.map(context);
		assertThat(context.getLowCardinalityKeyValue("connection.status").getValue()).isEqualTo("ABORTED");
		assertThat(context.getError()).isSameAs(own);
		assertThat(context.getLowCardinalityKeyValue("exception").getValue()).isEqualTo("IllegalStateException");
		// A convention without an exception key gets none added.
		ServerRequestObservationContext custom = new ServerRequestObservationContext(this.request,
				new MockHttpServletResponse());
		this.filter.map(custom);
		assertThat(custom.getLowCardinalityKeyValue("exception")).isNull();
		assertThat(custom.getError()).isInstanceOf(RequestStoppedException.class);
	}

	@Test
	void requestTheStarterDoesNotFollowIsNormal() {
		ServerRequestObservationContext context = context("none");
		this.filter.map(context);
		assertThat(context.getLowCardinalityKeyValue("connection.status").getValue()).isEqualTo("NORMAL");
	}

	@Test
	void otherObservationsAreLeftAlone() {
		Observation.Context context = new Observation.Context();
		this.filter.map(context);
		assertThat(context.getLowCardinalityKeyValues()).isEmpty();
	}

	private RequestHandle start() {
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/report", null, null, "HTTP/1.1"), null,
				false);
		this.request.setAttribute(CurrentRequest.ATTRIBUTE, handle);
		return handle;
	}

	private ServerRequestObservationContext context(String exception) {
		ServerRequestObservationContext context = new ServerRequestObservationContext(this.request,
				new MockHttpServletResponse());
		context.addLowCardinalityKeyValue(KeyValue.of("exception", exception));
		return context;
	}

}
