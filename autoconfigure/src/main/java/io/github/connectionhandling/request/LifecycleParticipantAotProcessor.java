package io.github.connectionhandling.request;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;

/**
 * Registers each {@link LifecycleParticipant} bean's class for reflection:
 * {@link RequestLifecycle} asks it which steps it overrides ({@code Class.getMethod}), to
 * call only those on every request.
 */
final class LifecycleParticipantAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = registeredBean.getBeanClass();
		if (!LifecycleParticipant.class.isAssignableFrom(beanClass)) {
			return null;
		}
		return (generationContext, code) -> generationContext.getRuntimeHints().reflection().registerType(beanClass);
	}

}
