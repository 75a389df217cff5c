package io.github.connectionhandling.integration.jdbc;

import javax.sql.DataSource;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;

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
		ProxyFactory factory = new ProxyFactory(bean);
		factory.addInterface(CancellingDataSource.class);
		factory.addAdvice(new StatementCancellation.DataSourceInterceptor());
		return factory.getProxy(bean.getClass().getClassLoader());
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
