package dev.kimicode2api;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.RawHttp;

import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** Behaviour that needs a gateway of its own: an upstream that is not there yet, and a shutdown. */
class RetryAndShutdownTest {

	static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	static ConfigurableApplicationContext start(String baseUrl, String... extra) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--KIMI_API_BASE_URL=" + baseUrl,
				"--spring.jmx.enabled=false"));
		args.addAll(List.of(extra));
		return SpringApplication.run(Kimicode2ApiApplication.class, args.toArray(String[]::new));
	}

	static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	static HttpRequest chat(int port, String body) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
	}

	static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@Test
	void connectionRefusedIsRetriedWithTheSameBodyThen502() throws Exception {
		int upstreamPort = freePort();
		try (ConfigurableApplicationContext gateway = start("http://127.0.0.1:" + upstreamPort + "/coding",
				"--UPSTREAM_CONNECT_RETRIES=4")) {
			int port = port(gateway);
			// Nothing listens: every attempt is refused, the client gets a 502 proxy_error.
			assertError(http.send(chat(port, "{\"model\":\"kimi-for-coding\"}"), HttpResponse.BodyHandlers.ofString()),
					502, "proxy_error");

			// The upstream comes up while the gateway is backing off: a later attempt gets through, once, with the
			// rewritten body intact.
			List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
			CompletableFuture<HttpResponse<String>> pending = http.sendAsync(
					chat(port, "{\"model\":\"kimi-for-coding-thinking\"}"), HttpResponse.BodyHandlers.ofString());
			Thread.sleep(100);
			DisposableServer late = HttpServer.create()
				.host("127.0.0.1")
				.port(upstreamPort)
				.handle((request, response) -> request.receive().aggregate().asString().flatMap(body -> {
					bodies.add(request.uri() + " " + body);
					return response.header("Content-Type", "application/json").sendString(Mono.just("{}")).then();
				}))
				.bindNow();
			try {
				HttpResponse<String> response = pending.get(20, TimeUnit.SECONDS);
				assertThat(response.statusCode()).isEqualTo(200);
				assertThat(bodies).containsExactly(
						"/coding/v1/chat/completions {\"model\":\"kimi-for-coding\",\"thinking\":{\"type\":\"enabled\"}}");
			}
			finally {
				late.disposeNow();
			}
		}
	}

	@Test
	void shutdownStopsAcceptingAndLetsInFlightStreamsFinish() throws Exception {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			sent.add("data: {\"n\":" + i + "}");
		}
		sent.add("data: [DONE]");
		try (FakeUpstream upstream = new FakeUpstream()) {
			upstream.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			upstream.respond(FakeUpstream.sse(sent, Duration.ofMillis(200)));
			ConfigurableApplicationContext gateway = start(upstream.baseUrl(), "--SHUTDOWN_GRACE_PERIOD=20s");
			int port = port(gateway);
			HttpResponse<InputStream> response = http.send(chat(port, "{\"model\":\"kimi-for-coding\",\"stream\":true}"),
					HttpResponse.BodyHandlers.ofInputStream());
			List<String> received = new ArrayList<>();
			CompletableFuture<Void> closing;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
				received.add(reader.readLine());
				// What SIGTERM does: Spring's shutdown hook closes the context.
				closing = CompletableFuture.runAsync(gateway::close);
				assertThat(RawHttp.refusesNewConnections(port, 100)).as("new connections refused during shutdown").isTrue();
				String line;
				while ((line = reader.readLine()) != null) {
					if (!line.isEmpty()) {
						received.add(line);
					}
				}
			}
			assertThat(received).containsExactlyElementsOf(sent);
			closing.get(20, TimeUnit.SECONDS);
			assertThat(gateway.isActive()).isFalse();
		}
	}

}
