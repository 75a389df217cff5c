package io.github.connectionhandling.integration.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.integration.StopHooks;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.StopAction;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Connections and statements that cancel what they execute when the request they execute
 * it for is stopped.
 * <p>
 * While one of a statement's {@code execute*} methods, or a cursor move of its result set
 * ({@code next()} of a long fetch), runs on a thread that works for a request,
 * {@link Statement#cancel()} is armed as the request's stop action for that thread (see
 * {@link StopHooks}); nothing is allocated for it beyond a small hook. PostgreSQL's driver
 * ignores {@code Statement.cancel()} while a result set fetches more rows (a cursor with a
 * fetch size): a fetch is cancelled through its connection's
 * {@code PGConnection.cancelQuery()} as well. A
 * statement started after the stop does not run. The driver's failure of a cancelled
 * statement surfaces as a {@link RequestStoppedException}, caused by the driver's
 * {@code SQLException} (on PostgreSQL SQL state 57014, "canceling statement due to user
 * request"): callers such as {@code JdbcTemplate} let it through untranslated, transaction
 * interceptors roll back on it, and the status bits say why the request stopped.
 */
final class StatementCancellation {

	/** The interface of each JDK proxy made here, one per proxy (see {@link JdbcRuntimeHints}). */
	static final List<Class<?>> PROXY_INTERFACES = List.of(Connection.class, Statement.class,
			PreparedStatement.class, CallableStatement.class, ResultSet.class);

	/** The methods of a result set that move its cursor, and may fetch rows from the database. */
	private static final Set<String> CURSOR_MOVES = Set.of("next", "previous", "first", "last", "absolute",
			"relative");

	private static final boolean postgresPresent = ClassUtils.isPresent("org.postgresql.PGConnection",
			StatementCancellation.class.getClassLoader());

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

	private static @Nullable Object armed(StopAction action, Object target, Method method, @Nullable Object[] args)
			throws Throwable {
		StopHooks.Hook hook = StopHooks.arm(action);
		if (hook == null) {
			return invoke(target, method, args);
		}
		try {
			return invoke(target, method, args);
		}
		catch (Exception ex) {
			RequestStoppedException stopped = StopHooks.stopped(hook, ex);
			throw (stopped != null) ? stopped : ex;
		}
		finally {
			hook.disarm();
		}
	}

	private static final class StatementHandler implements InvocationHandler, StopAction {

		private final Statement target;

		private final Connection connection;

		/** Stops a fetch of this statement's result sets. */
		private final StopAction fetchStop = (bits) -> stopFetch();

		StatementHandler(Statement target, Connection connection) {
			this.target = target;
			this.connection = connection;
		}

		@Override
		public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args) throws Throwable {
			String name = method.getName();
			if (name.startsWith("execute")) {
				return resultSet(armed(this, this.target, method, args), (Statement) proxy);
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
				case "getResultSet":
					return resultSet(StatementCancellation.invoke(this.target, method, args), (Statement) proxy);
				default:
					return StatementCancellation.invoke(this.target, method, args);
			}
		}

		private @Nullable Object resultSet(@Nullable Object result, Statement proxy) {
			if (!(result instanceof ResultSet rows)) {
				return result;
			}
			return Proxy.newProxyInstance(StatementCancellation.class.getClassLoader(),
					new Class<?>[] { ResultSet.class }, new ResultSetHandler(rows, proxy, this.fetchStop));
		}

		@Override
		public void stop(int bits) throws Exception {
			this.target.cancel();
		}

		/**
		 * Stop a fetch: the statement's cancel, and the connection's where the driver
		 * ignores the statement's during a fetch.
		 */
		private void stopFetch() throws Exception {
			this.target.cancel();
			if (postgresPresent) {
				PostgresCancellation.cancelFetch(this.target);
			}
		}

	}

	/**
	 * A result set whose cursor moves are stopped with the request, as its statement's
	 * executions are.
	 */
	private static final class ResultSetHandler implements InvocationHandler {

		private final ResultSet target;

		private final Statement statement;

		private final StopAction fetchStop;

		ResultSetHandler(ResultSet target, Statement statement, StopAction fetchStop) {
			this.target = target;
			this.statement = statement;
			this.fetchStop = fetchStop;
		}

		@Override
		public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args) throws Throwable {
			String name = method.getName();
			if (CURSOR_MOVES.contains(name)) {
				return armed(this.fetchStop, this.target, method, args);
			}
			switch (name) {
				case "equals":
					return proxy == args[0];
				case "hashCode":
					return System.identityHashCode(proxy);
				case "toString":
					return "Cancellable " + this.target;
				case "getStatement":
					return this.statement;
				default:
					return StatementCancellation.invoke(this.target, method, args);
			}
		}

	}

}
