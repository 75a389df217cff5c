package io.github.connectionhandling.it.outgoing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletableFuture;

import io.github.connectionhandling.RequestStoppedException;
import io.github.connectionhandling.it.Events;
import reactor.core.publisher.Mono;

import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Calls {@link SlowUpstream} from blocking handlers through one client of each kind, each
 * built once, so that the next call goes through the same client (and pool) as an aborted
 * one. Records under its tag how the call ended: {@code done}, {@code stopped:<bits>:<cause>}
 * for a {@link RequestStoppedException}, or {@code failed:<class>}.
 */
@RestController
public class OutgoingCallController {

	private final Events events;

	private final SlowUpstream upstream;

	private final RestClient restClient;

	private final RestTemplate restTemplate;

	private final WebClient webClient;

	private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	public OutgoingCallController(Events events, SlowUpstream upstream, RestClient.Builder restClientBuilder,
			RestTemplateBuilder restTemplateBuilder, WebClient.Builder webClientBuilder) {
		this.events = events;
		this.upstream = upstream;
		this.restClient = restClientBuilder.build();
		this.restTemplate = restTemplateBuilder.build();
		this.webClient = webClientBuilder.build();
	}

	@GetMapping("/out/call")
	String call(@RequestParam String tag, @RequestParam String client, @RequestParam String path) throws Exception {
		try {
			String body = get(client, this.upstream.uri("/" + path + "?tag=" + tag));
			this.events.add(tag, "done");
			return body;
		}
		catch (Exception ex) {
			this.events.add(tag, outcome(ex));
			throw ex;
		}
	}

	@GetMapping("/out/mono")
	Mono<String> mono(@RequestParam String tag, @RequestParam String path) {
		return this.webClient.get()
			.uri(this.upstream.uri("/" + path + "?tag=" + tag))
			.retrieve()
			.bodyToMono(String.class)
			.doOnNext((body) -> this.events.add(tag, "done"))
			.doOnError((ex) -> this.events.add(tag, outcome(ex)))
			.doOnCancel(() -> this.events.add(tag, "cancelled"));
	}

	@GetMapping("/out/fast")
	String fast(@RequestParam String client) throws Exception {
		return get(client, this.upstream.uri("/fast"));
	}

	private String get(String client, String uri) throws Exception {
		return switch (client) {
			case "restclient" -> this.restClient.get().uri(uri).retrieve().body(String.class);
			case "resttemplate" -> this.restTemplate.getForObject(uri, String.class);
			case "webclient" -> this.webClient.get().uri(uri).retrieve().bodyToMono(String.class).block();
			case "jdk-send" -> this.jdk.send(request(uri), BodyHandlers.ofString()).body();
			case "jdk-async" -> {
				// What Spring's own JDK request does: an interrupted wait cancels the exchange.
				CompletableFuture<HttpResponse<String>> future = this.jdk.sendAsync(request(uri),
						BodyHandlers.ofString());
				try {
					yield future.get().body();
				}
				catch (InterruptedException ex) {
					future.cancel(true);
					throw ex;
				}
			}
			default -> throw new IllegalArgumentException(client);
		};
	}

	private static HttpRequest request(String uri) {
		return HttpRequest.newBuilder(URI.create(uri)).build();
	}

	static String outcome(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof RequestStoppedException stopped) {
				Throwable cause = stopped.getCause();
				return "stopped:" + stopped.getBits() + ":" + ((cause != null) ? cause.getClass().getSimpleName() : "none");
			}
		}
		return "failed:" + ex.getClass().getSimpleName();
	}

}
