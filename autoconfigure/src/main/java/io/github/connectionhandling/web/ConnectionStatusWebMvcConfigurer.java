package io.github.connectionhandling.web;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.PropertyResolver;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Plugs connection handling into Spring MVC: the {@code ConnectionStatus} parameter, the
 * endpoint annotations, the status on {@code Callable} threads, quiet resolution of a
 * stopped request's exceptions, and cancellation of returned futures. At start-up every
 * {@code @TimeLimit} is checked, so an invalid one fails start-up naming its method.
 */
public final class ConnectionStatusWebMvcConfigurer implements WebMvcConfigurer, SmartInitializingSingleton {

	private final EndpointSettingsInterceptor settings;

	private final ObjectProvider<RequestMappingHandlerAdapter> adapters;

	private final ObjectProvider<RequestMappingHandlerMapping> mappings;

	/**
	 * Create the configurer.
	 * @param placeholders resolves {@code ${…}} in {@code @TimeLimit}
	 * @param adapters the handler adapters, to cancel returned futures
	 * @param mappings the handler mappings, to check annotations at start-up
	 */
	public ConnectionStatusWebMvcConfigurer(PropertyResolver placeholders,
			ObjectProvider<RequestMappingHandlerAdapter> adapters, ObjectProvider<RequestMappingHandlerMapping> mappings) {
		this.settings = new EndpointSettingsInterceptor(placeholders);
		this.adapters = adapters;
		this.mappings = mappings;
	}

	@Override
	public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
		resolvers.add(new ConnectionStatusArgumentResolver());
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(this.settings);
	}

	@Override
	public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
		configurer.registerCallableInterceptors(new StatusCallableInterceptor());
	}

	@Override
	public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
		resolvers.add(0, new StoppedRequestExceptionResolver());
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.adapters.orderedStream().forEach(AsyncReturnValueHandler::install);
		this.mappings.orderedStream().forEach((mapping) -> {
			for (HandlerMethod method : mapping.getHandlerMethods().values()) {
				this.settings.settingsOf(method);
			}
		});
	}

}
