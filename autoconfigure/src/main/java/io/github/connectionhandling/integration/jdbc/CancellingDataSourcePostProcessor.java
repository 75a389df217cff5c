package io.github.connectionhandling.integration.jdbc;

import java.util.LinkedHashSet;
import java.util.Set;

import javax.sql.DataSource;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Wraps every {@link DataSource} bean so that the statements a request runs are cancelled
 * when the request is stopped (see {@link StatementCancellation}).
 * <p>
 * The wrapper is a JDK proxy implementing all the bean's interfaces: {@code unwrap} and
 * {@code isWrapperFor} (HikariCP's {@code HikariConfigMXBean}, the driver's own types),
 * {@code close} and every other method go straight to the bean, and Spring Boot's
 * {@code DataSourceUnwrapper} sees through it. Only {@code getConnection} is intercepted,
 * and on a thread that works for no request it hands out the bean's connection untouched.
 */
public final class CancellingDataSourcePostProcessor implements BeanPostProcessor, Ordered {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof DataSource) || bean instanceof CancellingDataSource) {
			return bean;
		}
		ProxyFactory factory = new ProxyFactory();
		factory.setTarget(bean);
		factory.setInterfaces(proxyInterfaces(bean.getClass()));
		factory.addAdvice(new StatementCancellation.DataSourceInterceptor());
		return factory.getProxy(bean.getClass().getClassLoader());
	}

	/**
	 * The interfaces of the wrapper of a data source of the given class, in the order the
	 * proxy lists them (before Spring AOP's own): what {@link CancellingDataSourceAotProcessor}
	 * registers as a proxy hint.
	 * @param beanClass the data source's class
	 * @return the interfaces
	 */
	static Class<?>[] proxyInterfaces(Class<?> beanClass) {
		Set<Class<?>> interfaces = new LinkedHashSet<>(ClassUtils.getAllInterfacesForClassAsSet(beanClass));
		interfaces.add(CancellingDataSource.class);
		return interfaces.toArray(Class<?>[]::new);
	}

	@Override
	public int getOrder() {
		// Last: wrap what other post-processors made of the bean.
		return Ordered.LOWEST_PRECEDENCE;
	}

	/**
	 * Marks a data source wrapped already.
	 */
	public interface CancellingDataSource {

	}

}
