package io.github.connectionhandling.container.tomcat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.container.ContainerAdapter;
import io.github.connectionhandling.container.ContainerConnection;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.RequestFacade;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionHook;
import org.apache.coyote.AbstractProtocol;
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
 * there, and at start-up here.
 */
public final class TomcatContainerAdapter implements ContainerAdapter {

	// Method handles in static finals: the JIT inlines them like plain field reads and
	// calls, where reflective access costs a check and an indirection per request.
	private static final MethodHandle facadeRequest = getter(field(RequestFacade.class, "request"));

	private static final MethodHandle coyoteHook = getter(field(org.apache.coyote.Request.class, "hook"));

	private static final MethodHandle processorSocketWrapper = getter(
			method(AbstractProcessor.class, "getSocketWrapper"));

	private static final Method protocolEndpoint = method(AbstractProtocol.class, "getEndpoint");

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
			if (handler instanceof AbstractProtocol<?> protocol) {
				endpoints.add((AbstractEndpoint<?, ?>) invoke(protocolEndpoint, protocol));
			}
		}
		this.endpoints = List.copyOf(endpoints);
	}

	@Override
	public String describe() {
		return "Tomcat (" + this.endpoints.stream().map((e) -> e.getClass().getSimpleName()).toList() + ")";
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
		try {
			Request catalinaRequest = (Request) facadeRequest.invokeExact(facade);
			ActionHook hook = (ActionHook) coyoteHook.invokeExact(catalinaRequest.getCoyoteRequest());
			if (!(hook instanceof AbstractProcessor processor)) {
				return null;
			}
			SocketWrapperBase<?> wrapper = (SocketWrapperBase<?>) processorSocketWrapper.invokeExact(processor);
			return (wrapper != null) ? new TomcatConnection(wrapper) : null;
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			return null; // a getter throws no checked exception
		}
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

	private static Field field(Class<?> type, String name) {
		try {
			Field field = type.getDeclaredField(name);
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("This Tomcat version has no " + type.getName() + "." + name
					+ "; connection handling cannot reach client connections", ex);
		}
	}

	private static Method method(Class<?> type, String name) {
		try {
			Method method = type.getDeclaredMethod(name);
			method.setAccessible(true);
			return method;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("This Tomcat version has no " + type.getName() + "." + name
					+ "(); connection handling cannot reach client connections", ex);
		}
	}

	private static MethodHandle getter(Field field) {
		try {
			return MethodHandles.lookup().unreflectGetter(field);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot read " + field, ex);
		}
	}

	private static MethodHandle getter(Method method) {
		try {
			return MethodHandles.lookup().unreflect(method);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException("Cannot call " + method, ex);
		}
	}

	private static Object invoke(Method method, Object target) {
		try {
			return method.invoke(target);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Cannot call " + method, ex);
		}
	}

	/**
	 * A Tomcat socket wrapper; equal to another for the same wrapper.
	 */
	static final class TomcatConnection implements ContainerConnection {

		private final SocketWrapperBase<?> wrapper;

		private final @Nullable SocketChannel channel;

		TomcatConnection(SocketWrapperBase<?> wrapper) {
			this.wrapper = wrapper;
			this.channel = (wrapper.getSocket() instanceof NioChannel nio) ? nio.getIOChannel() : null;
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
