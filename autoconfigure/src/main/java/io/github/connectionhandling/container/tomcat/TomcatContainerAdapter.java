package io.github.connectionhandling.container.tomcat;

import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.RequestFacade;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionCode;
import org.apache.coyote.ActionHook;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.NonPipeliningProcessor;
import org.apache.coyote.ProtocolHandler;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;

/**
 * Reaches Tomcat's socket wrappers. A request's wrapper: {@code RequestFacade.request} →
 * {@code Request.getCoyoteRequest()} → the coyote request's {@code hook} (its processor)
 * → {@code AbstractProcessor.getSocketWrapper()}; its channel:
 * {@code NioChannel.getIOChannel()}. Open connections:
 * {@code AbstractProtocol.getEndpoint().getConnections()}. Pinned by
 * {@code TomcatContainerAdapterTests}: a Tomcat upgrade that renames any of these fails
 * there. At start-up it is a warning, not a failure (the names: {@link TomcatInternals}):
 * without the request's path a request's connection is looked up among the endpoint's
 * by its ports; without {@code getEndpoint()} connections are neither counted nor
 * watched, and disconnects are noticed at the next write or the time limit. An HTTP/2
 * stream's reset and its connection's loss reach the request through its coyote hook,
 * which {@link TomcatStreamHook} stands in for while the request runs.
 */
public final class TomcatContainerAdapter implements ContainerAdapter {

	private static final Log logger = LogFactory.getLog(TomcatContainerAdapter.class);

	/** The members this Tomcat lacks, filled as the handles below are resolved. */
	private static final List<String> missing = new ArrayList<>();

	// Method handles in static finals: the JIT inlines them like plain field reads and
	// calls, where reflective access costs a check and an indirection per request.
	// Null where this Tomcat lacks the member.
	private static final @Nullable MethodHandle facadeRequest = TomcatInternals.FACADE_REQUEST.resolve(loader(),
			missing);

	private static final @Nullable MethodHandle coyoteHook = TomcatInternals.COYOTE_HOOK.resolve(loader(), missing);

	private static final @Nullable MethodHandle coyoteHookSetter = TomcatInternals.COYOTE_HOOK
		.resolveSetter(loader(), missing);

	private static final @Nullable MethodHandle processorSocketWrapper = TomcatInternals.PROCESSOR_SOCKET_WRAPPER
		.resolve(loader(), missing);

	private static final @Nullable MethodHandle protocolEndpoint = TomcatInternals.PROTOCOL_ENDPOINT.resolve(loader(),
			missing);

	/** How {@link TomcatInternals.Member#resolveSetter} names a field it cannot write. */
	private static final String STREAM_HOOK_SUFFIX = " (write)";

	private final List<AbstractEndpoint<?, ?>> endpoints;

	/**
	 * Return an adapter for a web server, if it is Tomcat.
	 * @param server the server that started
	 * @return the adapter or {@code null}
	 */
	public static @Nullable ContainerAdapter of(WebServer server) {
		return (server instanceof TomcatWebServer tomcat)
				? new TomcatContainerAdapter(tomcat.getTomcat().getService().findConnectors()) : null;
	}

	/**
	 * Create an adapter for the given connectors.
	 * @param connectors the server's connectors
	 */
	public TomcatContainerAdapter(Connector... connectors) {
		List<AbstractEndpoint<?, ?>> endpoints = new ArrayList<>();
		for (Connector connector : connectors) {
			ProtocolHandler handler = connector.getProtocolHandler();
			if (handler instanceof AbstractProtocol<?> protocol && protocolEndpoint != null) {
				endpoints.add(endpoint(protocolEndpoint, protocol));
			}
		}
		this.endpoints = List.copyOf(endpoints);
		String degraded = degraded(missing, protocolEndpoint != null);
		if (degraded != null) {
			logger.warn(degraded);
		}
	}

	/**
	 * Describe what a Tomcat version lacks and what follows, or {@code null} if nothing is
	 * missing.
	 * @param missing the members it lacks
	 * @param endpointReachable whether {@code getEndpoint()} is among them
	 * @return the start-up warning or {@code null}
	 */
	static @Nullable String degraded(List<String> missing, boolean endpointReachable) {
		if (missing.isEmpty()) {
			return null;
		}
		List<String> consequences = new ArrayList<>();
		if (!endpointReachable) {
			consequences.add(
					"open connections are not counted or reaped, and disconnects are noticed only at the next write or the time limit");
		}
		else if (missing.stream().anyMatch((member) -> !member.endsWith(STREAM_HOOK_SUFFIX))) {
			consequences.add("each request's connection is looked up among the endpoint's by its ports");
		}
		if (missing.stream().anyMatch((member) -> member.endsWith(STREAM_HOOK_SUFFIX))) {
			consequences.add("a reset HTTP/2 stream or a lost HTTP/2 connection is noticed only at the next write or the time limit");
		}
		String consequence = String.join("; ", consequences);
		return "This Tomcat version (" + org.apache.catalina.util.ServerInfo.getServerNumber() + ") has no "
				+ String.join(", ", missing) + "; connection handling works with less: " + consequence;
	}

	@Override
	public String describe() {
		String degraded = missing.isEmpty() ? "" : "; missing " + String.join(", ", missing);
		return "Tomcat (" + this.endpoints.stream().map((e) -> e.getClass().getSimpleName()).toList() + degraded
				+ ")";
	}

	@Override
	public @Nullable ContainerConnection connectionOf(HttpServletRequest request) {
		ServletRequest unwrapped = request;
		while (unwrapped instanceof ServletRequestWrapper wrapper) {
			unwrapped = wrapper.getRequest();
		}
		if (!(unwrapped instanceof RequestFacade facade)) {
			return null;
		}
		if (facadeRequest == null || coyoteHook == null || processorSocketWrapper == null) {
			return connectionByPorts(request);
		}
		try {
			Request catalinaRequest = (Request) facadeRequest.invokeExact(facade);
			org.apache.coyote.Request coyoteRequest = catalinaRequest.getCoyoteRequest();
			ActionHook hook = (ActionHook) coyoteHook.invokeExact(coyoteRequest);
			if (!(TomcatStreamHook.processorOf(hook) instanceof AbstractProcessor processor)) {
				return null;
			}
			SocketWrapperBase<?> wrapper = (SocketWrapperBase<?>) processorSocketWrapper.invokeExact(processor);
			if (wrapper == null) {
				return null;
			}
			// A processor that serves one request only is an HTTP/2 stream's: its request
			// may carry a hook of its own until it ends (HTTP/1.1 processors are reused).
			return (processor instanceof NonPipeliningProcessor && hook == processor)
					? new TomcatConnection(wrapper, coyoteRequest, processor) : new TomcatConnection(wrapper);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			return null; // a getter throws no checked exception
		}
	}

	/**
	 * The request's connection found among the endpoints' by its local and remote port
	 * (which proxies' headers do not rewrite): the way when the request's own path is
	 * missing. Costs a scan of the open connections per request.
	 */
	@Nullable ContainerConnection connectionByPorts(HttpServletRequest request) {
		int localPort = request.getLocalPort();
		int remotePort = request.getRemotePort();
		SocketWrapperBase<?> found = null;
		for (AbstractEndpoint<?, ?> endpoint : this.endpoints) {
			for (SocketWrapperBase<?> wrapper : endpoint.getConnections()) {
				if (wrapper.getRemotePort() == remotePort && wrapper.getLocalPort() == localPort) {
					if (found != null) {
						return null; // two clients on one port (different hosts): not this way
					}
					found = wrapper;
				}
			}
		}
		return (found != null) ? new TomcatConnection(found) : null;
	}

	@Override
	public List<ContainerConnection> openConnections() {
		List<ContainerConnection> connections = new ArrayList<>();
		for (AbstractEndpoint<?, ?> endpoint : this.endpoints) {
			for (SocketWrapperBase<?> wrapper : endpoint.getConnections()) {
				if (!wrapper.isClosed()) {
					connections.add(new TomcatConnection(wrapper));
				}
			}
		}
		return connections;
	}

	@Override
	public int openConnectionCount() {
		int count = 0;
		for (AbstractEndpoint<?, ?> endpoint : this.endpoints) {
			count += endpoint.getConnections().size();
		}
		return count;
	}

	private static @Nullable ClassLoader loader() {
		return TomcatContainerAdapter.class.getClassLoader();
	}

	private static AbstractEndpoint<?, ?> endpoint(MethodHandle getEndpoint, AbstractProtocol<?> protocol) {
		try {
			return (AbstractEndpoint<?, ?>) getEndpoint.invoke(protocol);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException("Cannot call " + TomcatInternals.PROTOCOL_ENDPOINT, ex);
		}
	}

	/**
	 * A Tomcat socket wrapper; equal to another for the same wrapper.
	 */
	static final class TomcatConnection implements ContainerConnection {

		private final SocketWrapperBase<?> wrapper;

		private final @Nullable SocketChannel channel;

		private final org.apache.coyote.@Nullable Request streamRequest;

		private final @Nullable ActionHook streamProcessor;

		TomcatConnection(SocketWrapperBase<?> wrapper) {
			this(wrapper, null, null);
		}

		TomcatConnection(SocketWrapperBase<?> wrapper, org.apache.coyote.@Nullable Request streamRequest,
				@Nullable ActionHook streamProcessor) {
			this.wrapper = wrapper;
			this.channel = (wrapper.getSocket() instanceof NioChannel nio) ? nio.getIOChannel() : null;
			this.streamRequest = streamRequest;
			this.streamProcessor = streamProcessor;
		}

		@Override
		public boolean resetStream() {
			org.apache.coyote.Request request = this.streamRequest;
			if (request == null) {
				return false;
			}
			// CLOSE_NOW swallows further writes and leaves the stream's processor in an
			// error state that still allows connection I/O: Tomcat resets that stream
			// only once its processing ends.
			request.getResponse().action(ActionCode.CLOSE_NOW, null);
			return true;
		}

		@Override
		public @Nullable Runnable onStreamFailure(Runnable callback) {
			org.apache.coyote.Request request = this.streamRequest;
			ActionHook processor = this.streamProcessor;
			if (request == null || processor == null || coyoteHook == null || coyoteHookSetter == null) {
				return null;
			}
			return TomcatStreamHook.install(request, processor, coyoteHook, coyoteHookSetter, callback);
		}

		@Override
		public Object id() {
			return this.wrapper;
		}

		@Override
		public @Nullable SocketChannel channel() {
			return this.channel;
		}

		@Override
		public @Nullable InetSocketAddress localAddress() {
			return address(this.wrapper.getLocalAddr(), this.wrapper.getLocalPort());
		}

		@Override
		public @Nullable InetSocketAddress remoteAddress() {
			return address(this.wrapper.getRemoteAddr(), this.wrapper.getRemotePort());
		}

		/** Tomcat reports port -1 for a socket closed before it looked the port up. */
		private static @Nullable InetSocketAddress address(@Nullable String host, int port) {
			return (host != null && port >= 0 && port <= 0xFFFF) ? new InetSocketAddress(host, port) : null;
		}

		@Override
		public void close() {
			this.wrapper.close();
		}

		@Override
		public boolean isOpen() {
			return !this.wrapper.isClosed();
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof TomcatConnection that && that.wrapper == this.wrapper;
		}

		@Override
		public int hashCode() {
			return System.identityHashCode(this.wrapper);
		}

		@Override
		public String toString() {
			return "Tomcat connection " + this.wrapper.getRemoteAddr() + ":" + this.wrapper.getRemotePort();
		}

	}

}
