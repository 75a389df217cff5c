package io.github.connectionhandling.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls {@code /actuator/connections} over plain HTTP/1.1, as an operator would.
 */
final class Actuator {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final int port;

	Actuator(int port) {
		this.port = port;
	}

	JsonNode connections() {
		Response response = call("GET", "");
		if (response.status() != 200) {
			throw new IllegalStateException("GET /actuator/connections answered " + response);
		}
		return response.json();
	}

	Response get(String id) {
		return call("GET", "/" + id);
	}

	Response delete(String id) {
		return call("DELETE", "/" + id);
	}

	Response call(String method, String path) {
		URI uri = URI.create("http://127.0.0.1:" + this.port + "/actuator/connections" + path);
		HttpRequest request = HttpRequest.newBuilder(uri)
			.method(method, HttpRequest.BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(10))
			.build();
		try {
			HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.body());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The request in a listing with the given URI and no status set, if any. */
	static JsonNode find(JsonNode connections, String uri) {
		for (JsonNode request : connections.get("requests")) {
			if (uri.equals(request.get("uri").asString())) {
				return request;
			}
		}
		return null;
	}

	record Response(int status, String body) {

		JsonNode json() {
			return Actuator.json.readTree(this.body);
		}

	}

}
