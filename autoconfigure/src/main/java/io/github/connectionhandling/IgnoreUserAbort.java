package io.github.connectionhandling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keep the annotated endpoint running when its client goes away, like PHP's
 * {@code ignore_user_abort(true)}. The {@link ConnectionStatus#ABORTED} bit is still set
 * and close callbacks still run; output written after the abort is discarded. On a
 * handler method or its controller class; the method wins.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface IgnoreUserAbort {

	/**
	 * Whether aborts are ignored; {@code false} on a method undoes a class-level
	 * annotation.
	 * @return whether aborts are ignored
	 */
	boolean value() default true;

}
