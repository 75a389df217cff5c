package io.github.connectionhandling.integration.jdbc;

import javax.sql.DataSource;

import io.github.connectionhandling.integration.jdbc.CancellingDataSourcePostProcessor.CancellingDataSource;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;

/**
 * Registers, for each {@link DataSource} bean, the JDK proxy that
 * {@link CancellingDataSourcePostProcessor} will make of it at run time: its interfaces
 * depend on the bean's class, known here from the bean definition. A bean whose
 * definition declares only {@code DataSource} while its instance has more interfaces is
 * not covered: give the {@code @Bean} method the concrete return type.
 */
final class CancellingDataSourceAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = registeredBean.getBeanClass();
		if (!DataSource.class.isAssignableFrom(beanClass) || CancellingDataSource.class.isAssignableFrom(beanClass)) {
			return null;
		}
		Class<?>[] interfaces = CancellingDataSourcePostProcessor.proxyInterfaces(beanClass);
		return (generationContext, code) -> register(generationContext.getRuntimeHints(), interfaces);
	}

	static void register(RuntimeHints hints, Class<?>[] interfaces) {
		hints.proxies().registerJdkProxy(AopProxyUtils.completeJdkProxyInterfaces(interfaces));
		for (Class<?> type : interfaces) {
			// Spring AOP invokes the target's methods by reflection.
			hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

}
