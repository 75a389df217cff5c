package io.github.connectionhandling.container.tomcat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The non-public Tomcat members the adapter reads, by name: one list for the adapter,
 * its AOT hints ({@link TomcatRuntimeHints}) and their tests, so they cannot drift apart.
 * Names only, no Tomcat types: the hints registrar loads this class in applications that
 * run on Jetty.
 * <p>
 * A member that a Tomcat version renamed or removed resolves to {@code null} and is
 * reported, never thrown: the adapter then reaches less (see
 * {@link TomcatContainerAdapter}) and the application starts.
 */
final class TomcatInternals {

	/** {@code RequestFacade.request}: the catalina request behind the facade. */
	static final Member FACADE_REQUEST = Member.field("org.apache.catalina.connector.RequestFacade", "request");

	/**
	 * {@code org.apache.coyote.Request.hook}: the processor serving the request; written
	 * too, on HTTP/2 streams ({@link TomcatStreamHook}).
	 */
	static final Member COYOTE_HOOK = Member.field("org.apache.coyote.Request", "hook");

	/** {@code AbstractProcessor.getSocketWrapper()}: the processor's connection. */
	static final Member PROCESSOR_SOCKET_WRAPPER = Member.method("org.apache.coyote.AbstractProcessor",
			"getSocketWrapper");

	/** {@code AbstractProtocol.getEndpoint()}: the endpoint that holds the connections. */
	static final Member PROTOCOL_ENDPOINT = Member.method("org.apache.coyote.AbstractProtocol", "getEndpoint");

	/** Every member read by reflection. */
	static final List<Member> MEMBERS = List.of(FACADE_REQUEST, COYOTE_HOOK, PROCESSOR_SOCKET_WRAPPER,
			PROTOCOL_ENDPOINT);

	private TomcatInternals() {
	}

	/**
	 * A field or a method without parameters, declared by the named class.
	 * @param className the declaring class
	 * @param name the member's name
	 * @param isMethod whether it is a method
	 */
	record Member(String className, String name, boolean isMethod) {

		static Member field(String className, String name) {
			return new Member(className, name, false);
		}

		static Member method(String className, String name) {
			return new Member(className, name, true);
		}

		/**
		 * Return a method handle for this member: a getter for a field, the method itself
		 * otherwise.
		 * @param classLoader where to find the declaring class
		 * @param missing where to note this member if it cannot be reached
		 * @return the handle or {@code null}
		 */
		@Nullable MethodHandle resolve(@Nullable ClassLoader classLoader, List<String> missing) {
			return resolve(classLoader, missing, false);
		}

		/**
		 * Return a setter for this member, a field.
		 * @param classLoader where to find the declaring class
		 * @param missing where to note this member if it cannot be written
		 * @return the handle or {@code null}
		 */
		@Nullable MethodHandle resolveSetter(@Nullable ClassLoader classLoader, List<String> missing) {
			return resolve(classLoader, missing, true);
		}

		private @Nullable MethodHandle resolve(@Nullable ClassLoader classLoader, List<String> missing,
				boolean setter) {
			try {
				Class<?> type = Class.forName(this.className, false, classLoader);
				MethodHandles.Lookup lookup = MethodHandles.lookup();
				if (this.isMethod) {
					Method method = type.getDeclaredMethod(this.name);
					method.setAccessible(true);
					return lookup.unreflect(method);
				}
				Field field = type.getDeclaredField(this.name);
				field.setAccessible(true);
				return setter ? lookup.unreflectSetter(field) : lookup.unreflectGetter(field);
			}
			// Errors too: a native image without the hint throws one.
			catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
				missing.add(toString() + (setter ? " (write)" : ""));
				return null;
			}
		}

		@Override
		public String toString() {
			return this.className + "." + this.name + (this.isMethod ? "()" : "");
		}

	}

}
