package dev.kimicode2api;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayProcess;
import dev.kimicode2api.support.OtlpReceiver;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static dev.kimicode2api.RetryAndShutdownTest.chat;
import static dev.kimicode2api.RetryAndShutdownTest.http;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar in Spring AOT mode ({@code -Dspring.aot.enabled=true}), the way the Docker image runs it. AOT fixes
 * the set of beans at build time, so these tests check that what a gateway team changes at run time still works in
 * that mode: routes and their metadata from the environment and from a profile, the start-up checks that name a bad
 * key, and the core of the gateway. Runs after {@code package} (Failsafe), on the jar itself.
 */
@Timeout(180)
class PackagedJarAotIT {

	private static Path jar;

	@BeforeAll
	static void findJar() {
		jar = Path.of(System.getProperty("kimicode2api.jar", "target/kimicode2api.jar"));
		assertThat(Files.isRegularFile(jar)).as("packaged jar " + jar.toAbsolutePath()).isTrue();
	}

	private static GatewayProcess startAot(Map<String, String> environment) throws Exception {
		List<String> arguments = new ArrayList<>(List.of("-Dspring.aot.enabled=true",
				"-Dio.netty.leakDetection.level=paranoid", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-jar",
				jar.toString()));
		return GatewayProcess.start(arguments, environment);
	}

	@Test
	void theGatewayCoreWorksInAotMode() throws Exception {
		try (FakeUpstream upstream = new FakeUpstream();
				GatewayProcess gateway = startAot(Map.of("KIMI_API_BASE_URL", upstream.baseUrl() + "/coding"))) {
			upstream.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			int port = gateway.awaitReady(Duration.ofSeconds(90));
			assertThat(gateway.output()).contains("Starting AOT-processed Kimicode2ApiApplication");

			HttpResponse<String> models = get(port, "/v1/models");
			assertThat(models.statusCode()).isEqualTo(200);
			assertThat(models.body()).contains("\"kimi-for-coding\"", "\"kimi-for-coding-thinking\"");

			// Thinking rewrite, User-Agent and Authorization on the configured base path.
			upstream.respond(FakeUpstream.json(200, ChatCompletionsTest.COMPLETION));
			HttpResponse<String> completion = http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer sk-aot")
				.POST(HttpRequest.BodyPublishers
					.ofString("{\"model\":\"kimi-for-coding-thinking\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(completion.statusCode()).isEqualTo(200);
			FakeUpstream.Received sent = upstream.takeRequest();
			assertThat(sent.uri()).isEqualTo("/coding/v1/chat/completions");
			assertThat(sent.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
			assertThat(sent.headers().get("Authorization")).isEqualTo("Bearer sk-aot");
			JsonNode body = JSON.readTree(sent.body());
			assertThat(body.get("model").asString()).isEqualTo("kimi-for-coding");
			assertThat(body.get("thinking").path("type").asString()).isEqualTo("enabled");

			// A stream passes event by event.
			upstream.respond(FakeUpstream.sse(List.of("data: {\"n\":1}", "data: {\"n\":2}", "data: [DONE]"),
					Duration.ofMillis(20)));
			HttpResponse<String> stream = http.send(chat(port, "{\"model\":\"kimi-for-coding\",\"stream\":true}"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
					t -> assertThat(t).startsWith("text/event-stream"));
			assertThat(stream.body()).isEqualTo("data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n");
			assertThat(upstream.takeRequest().bodyText()).isEqualTo("{\"model\":\"kimi-for-coding\",\"stream\":true}");

			// The Anthropic route and its virtual model, from the same YAML.
			upstream.respond(FakeUpstream.json(200, "{\"type\":\"message\"}"));
			HttpResponse<String> message = http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/messages"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding-thinking\",\"max_tokens\":4096}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(message.statusCode()).isEqualTo(200);
			JsonNode thinking = JSON.readTree(upstream.takeRequest().body()).get("thinking");
			assertThat(thinking.get("budget_tokens").asInt()).isEqualTo(4095);

			// Errors keep their OpenAI shape.
			assertError(http.send(chat(port, "{not json"), HttpResponse.BodyHandlers.ofString()), 400,
					"invalid_request_error");
			upstream.respond(FakeUpstream.text(500, "text/plain", "database on fire"));
			assertError(http.send(chat(port, "{\"model\":\"kimi-for-coding\"}"), HttpResponse.BodyHandlers.ofString()),
					500, "upstream_error");
			assertError(get(port, "/v1/nothing-here"), 404, "invalid_request_error");

			// Operations: probes and the project's own metrics.
			assertThat(get(port, "/actuator/health/readiness").statusCode()).isEqualTo(200);
			assertThat(get(port, "/actuator/prometheus").body())
				.contains("kimicode2api_requests_seconds_count{", "model=\"kimi-for-coding-thinking\"");

			// The Responses bridge: a route filter of its own, from the same YAML.
			upstream.respond(FakeUpstream.json(200, ChatCompletionsTest.COMPLETION));
			HttpResponse<String> response = http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/responses"))
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer sk-aot")
				.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding-thinking\",\"input\":\"hi\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			assertThat(JSON.readTree(response.body()).at("/output/0/content/0/text").asString()).isEqualTo("Hi");
			assertThat(upstream.takeRequest().uri()).isEqualTo("/coding/v1/chat/completions");

			// The per-request lines are written as each request ends (Spring Boot's console logging), before any stop.
			assertThat(accessLines(gateway, 11)).isEqualTo(11);
			assertThat(gateway.output()).contains("POST /v1/responses route=kimi-responses model=kimi-for-coding-thinking",
					"Thinking mode activated: virtual model kimi-for-coding-thinking on route kimi-responses");
			gateway.sigterm();
			assertThat(gateway.awaitExit(Duration.ofSeconds(30))).isEqualTo(SigtermShutdownTest.EXIT_AFTER_SIGTERM);
			gateway.assertCleanOutput();
		}
	}

	@Test
	void routesOfAProfileAreReadAtRunTimeInAotMode() throws Exception {
		try (FakeUpstream kimi = new FakeUpstream();
				FakeUpstream moonshot = new FakeUpstream();
				GatewayProcess gateway = startAot(Map.of("KIMI_API_BASE_URL", kimi.baseUrl(), "MOONSHOT_API_BASE_URL",
						moonshot.baseUrl(), "SPRING_PROFILES_ACTIVE", "moonshot", "USER_AGENT", "KimiCLI/9.9",
						"LOGGING_CONFIG", "classpath:logback-async.xml"))) {
			kimi.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			moonshot.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			int port = gateway.awaitReady(Duration.ofSeconds(90));
			kimi.respond(FakeUpstream.json(200, "{}"));
			moonshot.respond(FakeUpstream.json(200, "{}"));

			assertThat(http.send(chat(port, "{\"model\":\"kimi-k2-turbo-preview\"}"), HttpResponse.BodyHandlers.ofString())
				.statusCode()).isEqualTo(200);
			assertThat(moonshot.takeRequest().bodyText()).contains("kimi-k2-turbo-preview");
			assertThat(http.send(chat(port, "{\"model\":\"kimi-for-coding\"}"), HttpResponse.BodyHandlers.ofString())
				.statusCode()).isEqualTo(200);
			assertThat(kimi.takeRequest().headers().get("User-Agent")).isEqualTo("KimiCLI/9.9");
			assertThat(moonshot.pollRequest(Duration.ofMillis(200))).as("kimi-for-coding stays on kimi-chat").isNull();
			assertThat(get(port, "/v1/models").body()).contains("\"kimi-k2-turbo-preview\"");
			// The opt-in asynchronous appender (a log sink that can stall): no line is lost, the stop flushes them.
			gateway.sigterm();
			assertThat(gateway.awaitExit(Duration.ofSeconds(30))).isEqualTo(SigtermShutdownTest.EXIT_AFTER_SIGTERM);
			gateway.assertCleanOutput();
			assertThat(accessLines(gateway, 4)).isEqualTo(4); // GET / (readiness), two chats, GET /v1/models
		}
	}

	/** The access lines seen so far, waiting up to five seconds for {@code expected} of them. */
	private static long accessLines(GatewayProcess gateway, long expected) throws InterruptedException {
		long seen = 0;
		for (int i = 0; i < 100 && seen < expected; i++, Thread.sleep(50)) {
			seen = gateway.output().lines().filter(line -> line.contains("kimicode2api.access")).count();
		}
		return seen;
	}

	/**
	 * Tracing is switched on when the container starts, also in AOT mode: spans reach the collector and the span's
	 * context the upstream. Metrics over OTLP need the normal mode (the OTLP registry is a bean that AOT fixed as
	 * absent): AOT mode says so, the normal mode sends them.
	 */
	@Test
	void tracingIsSwitchedOnAtRunTimeInAotModeAndMetricsOverOtlpInTheNormalMode() throws Exception {
		Map<String, String> environment = new HashMap<>();
		try (FakeUpstream upstream = new FakeUpstream(); OtlpReceiver collector = new OtlpReceiver()) {
			upstream.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			environment.put("KIMI_API_BASE_URL", upstream.baseUrl());
			environment.put("OTEL_EXPORTER_OTLP_ENDPOINT", collector.baseUrl());
			environment.put("MANAGEMENT_TRACING_SAMPLING_PROBABILITY", "1.0");
			environment.put("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_SCHEDULE_DELAY", "100ms");
			environment.put("MANAGEMENT_OTLP_METRICS_EXPORT_STEP", "1s"); // Boot's default step (1m) wins over OTEL_METRIC_EXPORT_INTERVAL
			try (GatewayProcess gateway = startAot(environment)) {
				int port = gateway.awaitReady(Duration.ofSeconds(90));
				upstream.respond(FakeUpstream.json(200, ChatCompletionsTest.COMPLETION));
				String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
				assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
					.header("Content-Type", "application/json")
					.header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
					.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\"}"))
					.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
				assertThat(upstream.takeRequest().headers().get("traceparent")).startsWith("00-" + traceId + "-")
					.doesNotContain("00f067aa0ba902b7");
				var span = collector.awaitSpan(s -> java.util.HexFormat.of().formatHex(s.getTraceId().toByteArray())
					.equals(traceId), Duration.ofSeconds(30));
				assertThat(span.getName()).isEqualTo("chat kimi-for-coding");
				assertThat(gateway.output()).contains("Tracing on: spans exported over OTLP/HTTP to "
						+ collector.baseUrl() + "/v1/traces", "metrics over OTLP need the normal mode");
				gateway.assertCleanOutput();
			}
			List<String> normal = List.of("-Dio.netty.leakDetection.level=paranoid", "-XX:TieredStopAtLevel=1",
					"-Xmx256m", "-jar", jar.toString());
			try (GatewayProcess gateway = GatewayProcess.start(normal, environment)) {
				int port = gateway.awaitReady(Duration.ofSeconds(90));
				upstream.respond(FakeUpstream.json(200, ChatCompletionsTest.COMPLETION));
				assertThat(http.send(chat(port, "{\"model\":\"kimi-for-coding\"}"), HttpResponse.BodyHandlers.ofString())
					.statusCode()).isEqualTo(200);
				assertThat(collector.awaitMetric("gen_ai.client.operation.duration", Duration.ofSeconds(30))
					.hasHistogram()).isTrue();
				gateway.assertCleanOutput();
			}
		}
	}

	@Test
	void aBadSettingStillStopsTheStartNamingItsKey() throws Exception {
		Map<String, String> environment = new HashMap<>();
		environment.put("KIMI_API_BASE_URL", "http://127.0.0.1:9/coding");
		environment.put("KIMICODE_ACCESS_LOG_FORMAT", "xml");
		try (GatewayProcess gateway = startAot(environment)) {
			assertThat(gateway.awaitExit(Duration.ofSeconds(90))).isNotZero();
			assertThat(gateway.output()).contains("kimicode.access-log.format").doesNotContain("Netty started");
		}
	}

	private static HttpResponse<String> get(int port, String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
