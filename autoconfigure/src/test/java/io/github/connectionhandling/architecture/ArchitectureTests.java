package io.github.connectionhandling.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conventions the code keeps: auto-configurations are public, final, registered only
 * in {@code AutoConfiguration.imports} and never component-scanned; container internals
 * stay in their adapter package; the layers depend in one direction.
 */
class ArchitectureTests {

	private static JavaClasses classes;

	@BeforeAll
	static void importClasses() {
		classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages("io.github.connectionhandling");
	}

	@Test
	void autoConfigurationsArePublicFinalAndNotComponents() {
		ArchRule rule = classes().that()
			.areAnnotatedWith(AutoConfiguration.class)
			.should()
			.bePublic()
			.andShould()
			.haveModifier(com.tngtech.archunit.core.domain.JavaModifier.FINAL)
			.andShould()
			.notBeAnnotatedWith(Component.class)
			.andShould()
			.resideInAPackage("io.github.connectionhandling.autoconfigure");
		rule.check(classes);
	}

	@Test
	void beanMethodsAreNotPublic() {
		methods().that().areAnnotatedWith(Bean.class).should().notBePublic().check(classes);
	}

	@Test
	void autoConfigurationsAreListedInTheImportsFile() throws IOException {
		Set<String> declared = classes.stream()
			.filter((c) -> c.isAnnotatedWith(AutoConfiguration.class))
			.map((c) -> c.getName())
			.collect(Collectors.toSet());
		try (InputStream in = getClass().getResourceAsStream(
				"/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
			Set<String> listed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
				.map(String::trim)
				.filter((line) -> !line.isEmpty() && !line.startsWith("#"))
				.collect(Collectors.toSet());
			assertThat(listed).isEqualTo(declared);
		}
	}

	@Test
	void aotContributionsAreListedInTheAotFactoriesFile() throws IOException {
		// A registrar or processor that is not listed is never run: its hints are missing.
		Properties factories = new Properties();
		try (InputStream in = getClass().getResourceAsStream("/META-INF/spring/aot.factories")) {
			factories.load(in);
		}
		for (Class<?> type : List.of(RuntimeHintsRegistrar.class, BeanRegistrationAotProcessor.class)) {
			Set<String> declared = classes.stream()
				.filter((c) -> !c.isInterface() && c.isAssignableTo(type))
				.map((c) -> c.getName())
				.collect(Collectors.toSet());
			Set<String> listed = Arrays.stream(factories.getProperty(type.getName(), "").split(","))
				.map(String::trim)
				.filter((name) -> !name.isEmpty())
				.collect(Collectors.toSet());
			assertThat(listed).as(type.getSimpleName()).isNotEmpty().isEqualTo(declared);
		}
	}

	@Test
	void nothingIsComponentScanned() {
		noClasses().that()
			.areNotAnnotatedWith(org.springframework.context.annotation.Configuration.class)
			.and()
			.areNotAnnotatedWith(AutoConfiguration.class)
			.should()
			.beMetaAnnotatedWith(Component.class)
			.check(classes);
	}

	@Test
	void tomcatInternalsStayInTheTomcatAdapter() {
		noClasses().that()
			.resideOutsideOfPackage("io.github.connectionhandling.container.tomcat..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.apache.catalina..", "org.apache.coyote..", "org.apache.tomcat..",
					"org.springframework.boot.tomcat..")
			.check(classes);
	}

	@Test
	void jettyInternalsStayInTheJettyAdapter() {
		// The server's internals; Jetty's HTTP client is an outgoing-call integration.
		noClasses().that()
			.resideOutsideOfPackage("io.github.connectionhandling.container.jetty..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.eclipse.jetty.server..", "org.eclipse.jetty.ee11..", "org.eclipse.jetty.io..",
					"org.eclipse.jetty.http2..", "org.springframework.boot.jetty..")
			.check(classes);
	}

	@Test
	void theRequestModelKnowsNothingOfTheLayersAboveIt() {
		noClasses().that()
			.resideInAnyPackage("io.github.connectionhandling.request..", "io.github.connectionhandling.container..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("io.github.connectionhandling.web..", "io.github.connectionhandling.detection..",
					"io.github.connectionhandling.timelimit..", "io.github.connectionhandling.actuate..",
					"io.github.connectionhandling.autoconfigure..", "jakarta.servlet.http.HttpServletResponse")
			.check(classes);
	}

	@Test
	void onlyTheAutoConfigurationWiresTheLayers() {
		noClasses().that()
			.resideOutsideOfPackage("io.github.connectionhandling.autoconfigure..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.github.connectionhandling.autoconfigure..")
			.check(classes);
	}

	@Test
	void subPackagesAreFreeOfCycles() {
		slices().matching("io.github.connectionhandling.(*)..").should().beFreeOfCycles().check(classes);
	}

}
