package io.github.connectionhandling.sample;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.stereotype.Component;

/**
 * The close-callback lines of the camera stream, kept for the end-to-end test.
 */
@Component
class CloseLog {

	private final List<String> lines = new CopyOnWriteArrayList<>();

	void add(String line) {
		this.lines.add(line);
	}

	List<String> lines() {
		return List.copyOf(this.lines);
	}

}
