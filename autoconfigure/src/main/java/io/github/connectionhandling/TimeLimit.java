package io.github.connectionhandling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The execution time limit of the annotated endpoint, overriding
 * {@code connection-handling.max-execution-time}. On a handler method or its controller
 * class; the method wins.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TimeLimit {

	/**
	 * The limit in Spring Boot's duration format ({@code "5s"}, {@code "500ms"},
	 * {@code "PT1M"}); {@code ${…}} placeholders are resolved; {@code "0"} means no limit.
	 * @return the limit
	 */
	String value();

}
