package io.github.connectionhandling.integration.http;

import java.io.IOException;

import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;

/**
 * Hands each exchange of an Apache HttpClient 5 (classic) client to the stop of the call it
 * belongs to, so that stopping the call cancels the exchange: the client blocks in plain
 * socket reads, which ignore interrupts on platform threads.
 * <p>
 * Cancelling the request (Spring's requests are {@code HttpUriRequestBase}, a
 * {@link Cancellable}) discards its connection: the socket is closed at once, whether the
 * client waits for a pooled connection, for the response or in a body read, and the pool's
 * lease is released, so the next call gets a fresh connection. The classic client runs its
 * execution chain on the calling thread, inside
 * {@link CancellingClientHttpRequestInterceptor}'s execution of the call.
 */
public final class HttpComponentsRequestAborter implements ExecChainHandler {

	/** The name of the handler in the client's execution chain. */
	public static final String NAME = "connection-handling";

	/**
	 * Install an aborter first in the given client's execution chain, outside its retries
	 * and redirects, which run within one call.
	 * @param builder the client's builder
	 */
	public static void install(HttpClientBuilder builder) {
		builder.addExecInterceptorFirst(NAME, new HttpComponentsRequestAborter());
	}

	@Override
	public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
			throws IOException, HttpException {
		CancellingClientHttpRequestInterceptor.attachAbort(() -> {
			if (scope.originalRequest instanceof Cancellable cancellable) {
				cancellable.cancel();
			}
			else {
				scope.execRuntime.discardEndpoint();
			}
		});
		return chain.proceed(request, scope);
	}

}
