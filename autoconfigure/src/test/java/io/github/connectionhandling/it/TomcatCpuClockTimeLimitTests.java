package io.github.connectionhandling.it;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

@SpringBootTest(classes = { TimeLimitApp.class, OnTomcat.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = AbstractCpuClockTimeLimitTests.CPU_CLOCK)
class TomcatCpuClockTimeLimitTests extends AbstractCpuClockTimeLimitTests {

}
