import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.Ordered;

/**
 * Runs the sample app twice in one JVM, for {@code bench/overhead.sh} with
 * {@code JVMS=one}: the "on" app on one port and the "off" app on another, each with its
 * own {@code connection-handling.enabled}. Both share one JIT, so the ratio of their
 * throughputs is what the starter's code costs, without the several per cent by which the
 * JIT outcomes of two separate JVMs differ.
 * <p>
 * For the method's own checks, the "on" app may get a filter that busy-waits a known time
 * on every request ({@code spinNanos}): with both apps set alike, the ratio shows what a
 * known cost looks like to the method.
 * <p>
 * Arguments: {@code onPort offPort onEnabled offEnabled spinNanos onFirst [app args...]}.
 * Compiled and run by overhead.sh against the sample app's extracted jar.
 */
public final class OneJvm {

	public static void main(String[] args) throws Exception {
		int onPort = Integer.parseInt(args[0]);
		int offPort = Integer.parseInt(args[1]);
		boolean onEnabled = Boolean.parseBoolean(args[2]);
		boolean offEnabled = Boolean.parseBoolean(args[3]);
		long spinNanos = Long.parseLong(args[4]);
		boolean onFirst = Boolean.parseBoolean(args[5]);
		List<String> appArgs = Arrays.asList(args).subList(6, args.length);
		Class<?> application = Class.forName("io.github.connectionhandling.sample.SampleApplication");
		if (onFirst) {
			start(application, onPort, onEnabled, spinNanos, appArgs);
			start(application, offPort, offEnabled, 0, appArgs);
		}
		else {
			start(application, offPort, offEnabled, 0, appArgs);
			start(application, onPort, onEnabled, spinNanos, appArgs);
		}
		Thread.currentThread().join();
	}

	private static void start(Class<?> application, int port, boolean enabled, long spinNanos, List<String> appArgs) {
		SpringApplication app = new SpringApplication(application);
		if (spinNanos > 0) {
			app.addInitializers((context) -> ((GenericApplicationContext) context).registerBean("benchSpinFilter",
					FilterRegistrationBean.class, () -> spinFilter(spinNanos)));
		}
		List<String> all = new ArrayList<>(List.of("--server.port=" + port, "--connection-handling.enabled=" + enabled));
		all.addAll(appArgs);
		app.run(all.toArray(String[]::new));
	}

	private static FilterRegistrationBean<Filter> spinFilter(long nanos) {
		FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(new Spin(nanos));
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	/** A known cost per request: busy for {@code nanos} on the request thread. */
	private record Spin(long nanos) implements Filter {

		@Override
		public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
				throws IOException, ServletException {
			long end = System.nanoTime() + this.nanos;
			while (System.nanoTime() - end < 0) {
				Thread.onSpinWait();
			}
			chain.doFilter(request, response);
		}

	}

}
