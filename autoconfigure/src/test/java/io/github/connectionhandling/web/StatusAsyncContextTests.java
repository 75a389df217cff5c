package io.github.connectionhandling.web;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.request.InFlightRequests;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.RequestInfo;
import io.github.connectionhandling.request.RequestLifecycle;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class StatusAsyncContextTests {

	private final RequestLifecycle lifecycle = new RequestLifecycle(new InFlightRequests(), List.of(),
			new RequestLifecycle.Settings(Duration.ZERO, false, false));

	@AfterEach
	void stop() {
		this.lifecycle.destroy();
	}

	@Test
	void listenerAddedAfterDispatchIsAcceptedAndToldOfTheFailure() throws Exception {
		// Tomcat: after dispatch(), getRequest() throws, but addListener() is still allowed
		// (an abort can make Spring dispatch before the first dispatch's filters return).
		AsyncContext delegate = mock(AsyncContext.class);
		given(delegate.getRequest()).willThrow(new IllegalStateException("after dispatch"));
		RequestHandle handle = this.lifecycle.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/1.1"),
				null, false);
		StatusAsyncContext context = new StatusAsyncContext(delegate, handle, this.lifecycle);
		AsyncListener listener = mock(AsyncListener.class);
		assertThatNoException().isThrownBy(() -> context.addListener(listener));
		// The finisher, then the application's listener wrapped to see the status.
		verify(delegate, times(2)).addListener(any(AsyncListener.class));
		context.fail(new RequestStoppedException(1));
		ArgumentCaptor<AsyncEvent> event = ArgumentCaptor.forClass(AsyncEvent.class);
		verify(listener).onError(event.capture());
		assertThat(event.getValue().getThrowable()).isInstanceOf(RequestStoppedException.class);
		assertThat(event.getValue().getAsyncContext()).isSameAs(context);
	}

	@Test
	void containerErrorEventWithAnIOExceptionIsAnAbort() throws Exception {
		// Tomcat's "stream reset" or a failed write, Jetty's EofException: the container's
		// own onError reaches the finisher, first among the listeners.
		RequestHandle handle = start();
		finisher(handle).onError(new AsyncEvent(mock(AsyncContext.class), new IOException("Client reset the stream")));
		assertThat(handle.isAborted()).isTrue();
		this.lifecycle.finish(handle);
		assertThat(this.lifecycle.getRequests().totals().aborted()).isEqualTo(1);
		assertThat(this.lifecycle.getRequests().totals().normal()).isZero();
	}

	@Test
	void containerErrorEventWithoutADepartureIsNoAbort() throws Exception {
		RequestHandle handle = start();
		AsyncListener finisher = finisher(handle);
		finisher.onError(new AsyncEvent(mock(AsyncContext.class), new IllegalStateException("application")));
		finisher.onError(new AsyncEvent(mock(AsyncContext.class), new SocketTimeoutException("read timeout")));
		assertThat(handle.bits()).isZero();
		this.lifecycle.finish(handle);
	}

	@Test
	void disconnectIsAnIOExceptionInTheCausesButNotATimeout() {
		assertThat(Disconnects.isDisconnect(new IOException())).isTrue();
		assertThat(Disconnects.isDisconnect(new IllegalStateException(new IOException()))).isTrue();
		assertThat(Disconnects.isDisconnect(new SocketTimeoutException())).isFalse();
		assertThat(Disconnects.isDisconnect(new IllegalStateException())).isFalse();
		assertThat(Disconnects.isDisconnect(null)).isFalse();
	}

	private RequestHandle start() {
		return this.lifecycle.start(new RequestInfo("GET", "/", null, "127.0.0.1:1", "HTTP/2.0"), null, false);
	}

	/** The listener the async context adds for itself: the first one added to the delegate. */
	private AsyncListener finisher(RequestHandle handle) {
		AsyncContext delegate = mock(AsyncContext.class);
		new StatusAsyncContext(delegate, handle, this.lifecycle);
		ArgumentCaptor<AsyncListener> added = ArgumentCaptor.forClass(AsyncListener.class);
		verify(delegate).addListener(added.capture());
		return added.getValue();
	}

}
