package io.github.connectionhandling.integration.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.integration.StopHooks;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.StopAction;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

/**
 * Connections and statements that cancel what they execute when the request they execute
 * it for is stopped.
 * <p>
 * While one of a statement's {@code execute*} methods runs on a thread that works for a
 * request, {@link Statement#cancel()} is armed as the request's stop action for that
 * thread (see {@link StopHooks}); nothing is allocated for it beyond a small hook. A
 * statement started after the stop does not run. The driver's failure of a cancelled
 * statement surfaces as a {@link RequestStoppedException}, caused by the driver's
 * {@code SQLException} (on PostgreSQL SQL state 57014, "canceling statement due to user
 * request"): callers such as {@code JdbcTemplate} let it through untranslated, transaction
 * interceptors roll back on it, and the status bits say why the request stopped.
 */
final class StatementCancellation {

	/** The interface of each JDK proxy made here, one per proxy (see {@link JdbcRuntimeHints}). */
	static final List<Class<?>> PROXY_INTERFACES = List.of(Connection.class, Statement.class,
			PreparedStatement.class, CallableStatement.class);

	private StatementCancellation() {
	}

	static Connection wrap(Connection connection) {
		ConnectionHandler handler = new ConnectionHandler(connection);
		Connection proxy = (Connection) Proxy.newProxyInstance(StatementCancellation.class.getClassLoader(),
				new Class<?>[] { Connection.class }, handler);
		handler.proxy = proxy;
		return proxy;
	}

	private static @Nullable Object invoke(Object target, Method method, @Nullable Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	/**
	 * Intercepts {@code DataSource.getConnection()} of a wrapped data source.
	 */
	static final class DataSourceInterceptor implements MethodInterceptor {

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			Object result = invocation.proceed();
			if (result instanceof Connection connection && invocation.getMethod().getName().equals("getConnection")
					&& CurrentRequest.handle() != null) {
				return wrap(connection);
			}
			// Threads that work for no request get the pool's connection as it is.
			return result;
		}

	}

	private static final class ConnectionHandler implements InvocationHandler {

		private final Connection target;

		@Nullable Connection proxy;

		ConnectionHandler(Connection target) {
			this.target = target;
		}

		@Override
		public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args) throws Throwable {
			switch (method.getName()) {
				case "equals":
					return proxy == args[0];
				case "hashCode":
					return System.identityHashCode(proxy);
				case "toString":
					return "Cancellable " + this.target;
				case "createStatement", "prepareStatement", "prepareCall":
					Statement statement = (Statement) StatementCancellation.invoke(this.target, method, args);
					Class<?> type = (statement instanceof CallableStatement) ? CallableStatement.class
							: (statement instanceof PreparedStatement) ? PreparedStatement.class : Statement.class;
					StatementHandler handler = new StatementHandler(statement, (Connection) proxy);
					return Proxy.newProxyInstance(StatementCancellation.class.getClassLoader(),
							new Class<?>[] { type }, handler);
				default:
					return StatementCancellation.invoke(this.target, method, args);
			}
		}

	}

	private static final class StatementHandler implements InvocationHandler, StopAction {

		private final Statement target;

		private final Connection connection;

		StatementHandler(Statement target, Connection connection) {
			this.target = target;
			this.connection = connection;
		}

		@Override
		public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args) throws Throwable {
			String name = method.getName();
			if (name.startsWith("execute")) {
				return execute(method, args);
			}
			switch (name) {
				case "equals":
					return proxy == args[0];
				case "hashCode":
					return System.identityHashCode(proxy);
				case "toString":
					return "Cancellable " + this.target;
				case "getConnection":
					// Statements created through it are cancellable too.
					return this.connection;
				default:
					return StatementCancellation.invoke(this.target, method, args);
			}
		}

		private @Nullable Object execute(Method method, @Nullable Object[] args) throws Throwable {
			StopHooks.Hook hook = StopHooks.arm(this);
			if (hook == null) {
				return StatementCancellation.invoke(this.target, method, args);
			}
			try {
				return StatementCancellation.invoke(this.target, method, args);
			}
			catch (Exception ex) {
				RequestStoppedException stopped = StopHooks.stopped(hook, ex);
				throw (stopped != null) ? stopped : ex;
			}
			finally {
				hook.disarm();
			}
		}

		@Override
		public void stop(int bits) throws Exception {
			this.target.cancel();
		}

	}

}
