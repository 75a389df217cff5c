package io.github.connectionhandling.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's configuration table says what the generated configuration metadata says:
 * every {@code connection-handling.*} property, with its default.
 */
class ReadmeConfigurationTableTests {

	@Test
	void everyPropertyIsInTheReadmeWithItsDefault() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		List<String> missing = new ArrayList<>();
		try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			JsonNode metadata = JsonMapper.builder().build().readTree(in);
			for (JsonNode property : metadata.get("properties")) {
				String name = property.get("name").asString();
				if (!name.startsWith("connection-handling.")) {
					continue;
				}
				JsonNode value = property.get("defaultValue");
				String expected = "| `" + name + "` | `"
						+ ((value != null) ? value.asString().toLowerCase(Locale.ROOT) : "") + "` |";
				if (!readme.contains(expected)) {
					missing.add(expected);
				}
				JsonNode description = property.get("description");
				assertThat(description).as("Javadoc of " + name).isNotNull();
			}
		}
		assertThat(missing).as("rows missing from the README's configuration table").isEmpty();
	}

}
