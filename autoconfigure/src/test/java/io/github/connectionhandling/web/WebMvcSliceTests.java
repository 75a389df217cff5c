package io.github.connectionhandling.web;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.IgnoreUserAbort;
import io.github.connectionhandling.TimeLimit;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A {@code @WebMvcTest} slice resolves the {@code ConnectionStatus} parameter and applies
 * the annotations: the auto-configuration is listed in {@code AutoConfigureWebMvc.imports}.
 */
@WebMvcTest(controllers = WebMvcSliceTests.SliceController.class)
class WebMvcSliceTests {

	@Autowired
	MockMvc mvc;

	@Test
	void parameterIsResolvedAndIsTheCurrentStatus() throws Exception {
		this.mvc.perform(get("/slice/status"))
			.andExpect(status().isOk())
			.andExpect(content().string("bits=0 same=true"));
	}

	@Test
	void annotationsApplyInTheSlice() throws Exception {
		this.mvc.perform(get("/slice/annotated"))
			.andExpect(status().isOk())
			.andExpect(content().string("ignoring=true limit=PT2S"));
	}

	@SpringBootConfiguration
	@Import(SliceController.class)
	static class SliceApp {

	}

	@RestController
	static class SliceController {

		@GetMapping("/slice/status")
		String status(ConnectionStatus status) {
			return "bits=" + status.bits() + " same=" + (status == ConnectionStatus.current());
		}

		@GetMapping("/slice/annotated")
		@IgnoreUserAbort
		@TimeLimit("2s")
		String annotated(ConnectionStatus status) {
			return "ignoring=" + status.isUserAbortIgnored() + " limit=" + status.getTimeLimit();
		}

	}

}
