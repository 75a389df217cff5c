package io.github.connectionhandling.web;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.TimeLimits;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.PropertyResolver;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Applies {@link IgnoreUserAbort} and {@link TimeLimit} from the handler method or its
 * class (the method wins) to the request's status, on the request's first dispatch only:
 * a limit set at run time by {@code setTimeLimit} survives async dispatches.
 */
final class EndpointSettingsInterceptor implements HandlerInterceptor {

	private final PropertyResolver placeholders;

	private final Map<Method, EndpointSettings> settings = new ConcurrentHashMap<>();

	EndpointSettingsInterceptor(PropertyResolver placeholders) {
		this.placeholders = placeholders;
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (request.getDispatcherType() != DispatcherType.REQUEST || !(handler instanceof HandlerMethod method)
				|| !(request.getAttribute(CurrentRequest.ATTRIBUTE) instanceof RequestHandle handle)) {
			return true;
		}
		EndpointSettings endpoint = settingsOf(method);
		handle.setHandler(endpoint.description());
		if (endpoint.ignoreUserAbort() != null) {
			handle.ignoreUserAbort(endpoint.ignoreUserAbort());
		}
		if (endpoint.timeLimit() != null) {
			// Counted from the request's start, like the default it replaces.
			handle.applyTimeLimit(endpoint.timeLimit(), handle.getStartNanos());
		}
		return true;
	}

	/**
	 * Resolve the settings of a handler method, failing with a message that names it if
	 * its {@link TimeLimit} is invalid.
	 * @param method the handler method
	 * @return its settings
	 */
	EndpointSettings settingsOf(HandlerMethod method) {
		return this.settings.computeIfAbsent(method.getMethod(), (key) -> resolve(method));
	}

	private EndpointSettings resolve(HandlerMethod method) {
		IgnoreUserAbort ignore = find(method, IgnoreUserAbort.class);
		TimeLimit limit = find(method, TimeLimit.class);
		return new EndpointSettings(method.getShortLogMessage(), (ignore != null) ? ignore.value() : null,
				(limit != null) ? parse(limit.value(), method) : null);
	}

	private static <A extends java.lang.annotation.Annotation> @Nullable A find(HandlerMethod method, Class<A> type) {
		A onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), type);
		return (onMethod != null) ? onMethod : AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), type);
	}

	private Duration parse(String value, HandlerMethod method) {
		try {
			Duration limit = DurationStyle.detectAndParse(this.placeholders.resolveRequiredPlaceholders(value).trim());
			if (!TimeLimits.isValid(limit)) {
				throw new IllegalArgumentException("a time limit must be " + TimeLimits.RANGE);
			}
			return limit;
		}
		catch (RuntimeException ex) {
			throw new IllegalStateException("Invalid @TimeLimit(\"" + value + "\") on " + method
					+ ": use a duration " + TimeLimits.RANGE + ", such as 5s, 500ms or PT1M (" + ex.getMessage() + ")", ex);
		}
	}

	/**
	 * What the annotations of one handler method say.
	 *
	 * @param description the handler, for the actuator
	 * @param ignoreUserAbort whether aborts are ignored, {@code null} if not annotated
	 * @param timeLimit the limit, {@code null} if not annotated
	 */
	record EndpointSettings(String description, @Nullable Boolean ignoreUserAbort, @Nullable Duration timeLimit) {

	}

}
