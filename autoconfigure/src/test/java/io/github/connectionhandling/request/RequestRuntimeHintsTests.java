package io.github.connectionhandling.request;

import io.github.connectionhandling.detection.DisconnectDetector;
import io.github.connectionhandling.detection.TcpStateTable;
import io.github.connectionhandling.timelimit.TimeLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

class RequestRuntimeHintsTests {

	@Test
	void theFieldsBehindTheVarHandlesHaveReflectionHints() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		new RequestRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RequestHandle.VAR_HANDLE_FIELDS).isNotEmpty();
		for (String name : RequestHandle.VAR_HANDLE_FIELDS) {
			assertThat(RuntimeHintsPredicates.reflection()
				.onFieldAccess(RequestHandle.class.getDeclaredField(name))).as(name).accepts(hints);
		}
	}

	@Test
	void threadIsVirtualHasAnInvocationHint() {
		RuntimeHints hints = new RuntimeHints();
		new RequestRuntimeHints().registerHints(hints, getClass().getClassLoader());
		// By name: on Java 17 there is no such method to ask the predicates about.
		assertThat(hints.reflection().getTypeHint(Thread.class).methods())
			.anyMatch((method) -> method.getName().equals(RequestThreads.IS_VIRTUAL) && method.getParameterTypes().isEmpty()
					&& method.getMode() == ExecutableMode.INVOKE);
	}

	@Test
	void participantBeansAreRegisteredForTheStepsLookUp() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("timeLimiter", new RootBeanDefinition(TimeLimiter.class));
		beanFactory.registerBeanDefinition("detector", new RootBeanDefinition(DisconnectDetector.class));
		beanFactory.registerBeanDefinition("other", new RootBeanDefinition(TcpStateTable.class));
		RuntimeHints hints = new RuntimeHints();
		DefaultGenerationContext context = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get("io.github.connectionhandling.test", "Aot")),
				new InMemoryGeneratedFiles(), hints);
		LifecycleParticipantAotProcessor processor = new LifecycleParticipantAotProcessor();
		for (String name : new String[] { "timeLimiter", "detector" }) {
			BeanRegistrationAotContribution contribution = processor
				.processAheadOfTime(RegisteredBean.of(beanFactory, name));
			assertThat(contribution).isNotNull();
			contribution.applyTo(context, mock());
		}
		assertThat(processor.processAheadOfTime(RegisteredBean.of(beanFactory, "other"))).isNull();
		assertThat(RuntimeHintsPredicates.reflection().onType(TimeLimiter.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(DisconnectDetector.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of(TcpStateTable.class))).rejects(hints);
	}

}
