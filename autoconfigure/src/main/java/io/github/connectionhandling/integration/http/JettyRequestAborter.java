package io.github.connectionhandling.integration.http;

import java.util.concurrent.CancellationException;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

/**
 * Hands each exchange of a Jetty {@link HttpClient} to the stop of the call it belongs to,
 * so that stopping the call aborts the exchange: Spring's Jetty request gives up waiting
 * when interrupted but leaves the exchange running until the server answers.
 * <p>
 * Jetty notifies queued requests on the thread that sends them, inside
 * {@link CancellingClientHttpRequestInterceptor}'s execution of the call.
 */
public final class JettyRequestAborter implements Request.QueuedListener {

	/**
	 * Install an aborter on the given client.
	 * @param httpClient the client
	 */
	public static void install(HttpClient httpClient) {
		httpClient.getRequestListeners().addQueuedListener(new JettyRequestAborter());
	}

	@Override
	public void onQueued(Request request) {
		CancellingClientHttpRequestInterceptor.attachAbort(
				() -> request.abort(new CancellationException("The request this call was made for was stopped")));
	}

}
