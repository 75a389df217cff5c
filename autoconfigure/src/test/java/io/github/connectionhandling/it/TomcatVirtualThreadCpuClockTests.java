package io.github.connectionhandling.it;

import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { TimeLimitApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { AbstractCpuClockTimeLimitTests.CPU_CLOCK, AbstractVirtualThreadCpuClockTests.VIRTUAL_THREADS })
@EnabledForJreRange(min = JRE.JAVA_21) // not inherited from the abstract class
class TomcatVirtualThreadCpuClockTests extends AbstractVirtualThreadCpuClockTests {

}
