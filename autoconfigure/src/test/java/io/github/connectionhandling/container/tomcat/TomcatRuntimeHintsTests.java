package io.github.connectionhandling.container.tomcat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import io.github.connectionhandling.container.tomcat.TomcatInternals.Member;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.test.context.FilteredClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Tomcat members the adapter reads are the ones the hints name, each exists on this
 * Tomcat, and a member a Tomcat version lacks is reported instead of thrown.
 */
class TomcatRuntimeHintsTests {

	@Test
	void everyMemberTheAdapterReadsHasAReflectionHint() throws Exception {
		RuntimeHints hints = new RuntimeHints();
		new TomcatRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(TomcatInternals.MEMBERS).hasSize(4);
		for (Member member : TomcatInternals.MEMBERS) {
			Class<?> type = Class.forName(member.className());
			if (member.isMethod()) {
				Method method = type.getDeclaredMethod(member.name());
				assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(method)).as(member.toString())
					.accepts(hints);
			}
			else {
				Field field = type.getDeclaredField(member.name());
				assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(field)).as(member.toString())
					.accepts(hints);
			}
		}
	}

	@Test
	void noHintsWithoutTomcat() {
		RuntimeHints hints = new RuntimeHints();
		new TomcatRuntimeHints().registerHints(hints,
				new FilteredClassLoader("org.apache.catalina.", "org.apache.coyote."));
		assertThat(hints.reflection().typeHints()).isEmpty();
	}

	@Test
	void everyMemberResolvesOnThisTomcat() {
		List<String> missing = new ArrayList<>();
		for (Member member : TomcatInternals.MEMBERS) {
			assertThat(member.resolve(getClass().getClassLoader(), missing)).as(member.toString()).isNotNull();
		}
		assertThat(TomcatInternals.COYOTE_HOOK.resolveSetter(getClass().getClassLoader(), missing)).isNotNull();
		assertThat(missing).isEmpty();
		assertThat(TomcatContainerAdapter.degraded(missing, true)).isNull();
		assertThat(new TomcatContainerAdapter().describe()).doesNotContain("missing");
	}

	@Test
	void aMemberThisTomcatLacksIsReportedNotThrown() {
		List<String> missing = new ArrayList<>();
		Member renamedField = Member.field("org.apache.catalina.connector.RequestFacade", "catalinaRequest");
		Member renamedMethod = Member.method("org.apache.coyote.AbstractProtocol", "endpoint");
		Member movedClass = Member.field("org.apache.coyote.RequestMoved", "hook");
		assertThat(renamedField.resolve(getClass().getClassLoader(), missing)).isNull();
		assertThat(renamedMethod.resolve(getClass().getClassLoader(), missing)).isNull();
		assertThat(movedClass.resolve(getClass().getClassLoader(), missing)).isNull();
		assertThat(missing).containsExactly("org.apache.catalina.connector.RequestFacade.catalinaRequest",
				"org.apache.coyote.AbstractProtocol.endpoint()", "org.apache.coyote.RequestMoved.hook");
	}

	@Test
	void theStartUpWarningNamesWhatIsMissingAndWhatFollows() {
		assertThat(TomcatContainerAdapter.degraded(List.of("org.apache.catalina.connector.RequestFacade.request"), true))
			.startsWith("This Tomcat version (11.")
			.contains("has no org.apache.catalina.connector.RequestFacade.request;")
			.endsWith("each request's connection is looked up among the endpoint's by its ports");
		assertThat(TomcatContainerAdapter.degraded(List.of("org.apache.coyote.AbstractProtocol.getEndpoint()"), false))
			.contains("has no org.apache.coyote.AbstractProtocol.getEndpoint();")
			.contains("open connections are not counted or reaped")
			.contains("noticed only at the next write or the time limit");
	}

	@Test
	void aHookThatCannotBeWrittenCostsHttp2AbortsOnly() {
		List<String> missing = new ArrayList<>();
		Member renamed = Member.field("org.apache.coyote.Request", "actionHook");
		assertThat(renamed.resolveSetter(getClass().getClassLoader(), missing)).isNull();
		assertThat(missing).containsExactly("org.apache.coyote.Request.actionHook (write)");
		assertThat(TomcatContainerAdapter.degraded(missing, true))
			.contains("has no org.apache.coyote.Request.actionHook (write);")
			.endsWith("a reset HTTP/2 stream or a lost HTTP/2 connection is noticed only at the next write or the time limit")
			.doesNotContain("looked up among the endpoint's");
	}

}
