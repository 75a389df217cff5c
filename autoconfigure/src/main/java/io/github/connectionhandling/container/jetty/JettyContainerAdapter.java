package io.github.connectionhandling.container.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee11.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.web.server.WebServer;

/**
 * Reaches Jetty's end points through public API: a request's end point is
 * {@code ServletContextRequest.getServletContextRequest(request).getConnectionMetaData().getConnection().getEndPoint()},
 * its channel {@code EndPoint.getTransport()} (followed through TLS, whose decrypted end
 * point's transport is the network end point); open connections are the connectors'
 * {@code getConnectedEndPoints()}. Jetty's own fill-interest methods are left alone: they
 * belong to Jetty's selector. A request's stream failure (HTTP/2 reset, lost connection)
 * is Jetty's core {@code Request.addFailureListener}, the end of its exchange
 * {@code Request.addCompletionListener}.
 */
public final class JettyContainerAdapter implements ContainerAdapter {

	private final Server server;

	/**
	 * Return an adapter for a web server, if it is Jetty.
	 * @param server the server that started
	 * @return the adapter or {@code null}
	 */
	public static @Nullable ContainerAdapter of(WebServer server) {
		return (server instanceof JettyWebServer jetty) ? new JettyContainerAdapter(jetty.getServer()) : null;
	}

	/**
	 * Create an adapter for a server.
	 * @param server the server
	 */
	public JettyContainerAdapter(Server server) {
		this.server = server;
	}

	@Override
	public String describe() {
		return "Jetty " + Server.getVersion();
	}

	@Override
	public @Nullable ContainerConnection connectionOf(HttpServletRequest request) {
		ServletContextRequest contextRequest = ServletContextRequest.getServletContextRequest(request);
		if (contextRequest == null) {
			return null;
		}
		return new JettyConnection(contextRequest.getConnectionMetaData().getConnection().getEndPoint(),
				contextRequest);
	}

	@Override
	public List<ContainerConnection> openConnections() {
		List<ContainerConnection> connections = new ArrayList<>();
		for (Connector connector : this.server.getConnectors()) {
			for (EndPoint endPoint : connector.getConnectedEndPoints()) {
				if (endPoint.isOpen()) {
					connections.add(new JettyConnection(endPoint, null));
				}
			}
		}
		return connections;
	}

	@Override
	public int openConnectionCount() {
		int count = 0;
		for (Connector connector : this.server.getConnectors()) {
			count += connector.getConnectedEndPoints().size();
		}
		return count;
	}

	/**
	 * A Jetty end point; equal to another for the same end point.
	 */
	private static final class JettyConnection implements ContainerConnection {

		private final EndPoint endPoint;

		private final @Nullable Request request;

		JettyConnection(EndPoint endPoint, @Nullable Request request) {
			this.endPoint = endPoint;
			this.request = request;
		}

		@Override
		public Object id() {
			return this.endPoint;
		}

		@Override
		public @Nullable SocketChannel channel() {
			// With TLS the request's end point is SslConnection's decrypted one, whose
			// transport is the network end point; that one's is the channel.
			Object transport = this.endPoint.getTransport();
			for (int hops = 0; hops < 8 && transport instanceof EndPoint wrapped; hops++) {
				transport = wrapped.getTransport();
			}
			return (transport instanceof SocketChannel channel) ? channel : null;
		}

		@Override
		public @Nullable InetSocketAddress localAddress() {
			return inet(this.endPoint.getLocalSocketAddress());
		}

		@Override
		public @Nullable InetSocketAddress remoteAddress() {
			return inet(this.endPoint.getRemoteSocketAddress());
		}

		private static @Nullable InetSocketAddress inet(@Nullable SocketAddress address) {
			return (address instanceof InetSocketAddress inet) ? inet : null;
		}

		@Override
		public Instant openedAt() {
			return Instant.ofEpochMilli(this.endPoint.getCreatedTimeStamp());
		}

		@Override
		public void close() {
			this.endPoint.close();
		}

		@Override
		public boolean isOpen() {
			return this.endPoint.isOpen();
		}

		@Override
		public @Nullable Runnable onStreamFailure(Runnable callback) {
			Request request = this.request;
			if (request == null) {
				return null;
			}
			// Jetty fails a request's listeners when its HTTP/2 or HTTP/3 stream is reset
			// or its connection fails; the servlet layer's own handling goes on as usual.
			AtomicBoolean called = new AtomicBoolean();
			request.addFailureListener((failure) -> {
				if (called.compareAndSet(false, true)) {
					callback.run();
				}
			});
			// Jetty drops a request's listeners when the request is recycled.
			return () -> called.set(true);
		}

		@Override
		public boolean resetStream() {
			if (!(this.request instanceof ServletContextRequest contextRequest)) {
				return false;
			}
			// Aborting the servlet channel fails its stream: an HTTP/2 stream is reset.
			contextRequest.getServletChannel().abort(new IOException("Response cut off"));
			return true;
		}

		@Override
		public boolean onExchangeEnd(Runnable callback) {
			Request request = this.request;
			if (request == null) {
				return false;
			}
			Request.addCompletionListener(request, (failure) -> callback.run());
			return true;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof JettyConnection that && that.endPoint == this.endPoint;
		}

		@Override
		public int hashCode() {
			return System.identityHashCode(this.endPoint);
		}

		@Override
		public String toString() {
			return "Jetty connection " + this.endPoint.getRemoteSocketAddress();
		}

	}

}
