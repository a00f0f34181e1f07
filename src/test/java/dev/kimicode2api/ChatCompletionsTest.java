package dev.kimicode2api;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

class ChatCompletionsTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final String COMPLETION = """
			{"id":"c1","object":"chat.completion","model":"kimi-for-coding","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

	@Test
	void forwardsToTheBasePathWithQueryUserAgentAndAuthorization() throws Exception {
		upstream.respond(FakeUpstream.json(200, COMPLETION, "X-Request-Id", "req-1"));
		String body = "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

		HttpResponse<String> response = postJson("/v1/chat/completions?trace=1&x=a%20b", body, "Authorization",
				"Bearer sk-client-secret", "User-Agent", "curl/8.0", "Cookie", "session=browser",
				"Accept-Encoding", "gzip, br", "X-Forwarded-For", "10.1.2.3", "X-Forwarded-Host", "evil.example", "Forwarded", "for=10.1.2.3");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(COMPLETION);
		assertThat(response.headers().firstValue("X-Request-Id")).hasValue("req-1");
		Received received = upstream.takeRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/chat/completions?trace=1&x=a%20b");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-client-secret");
		assertThat(received.headers().names()).map(String::toLowerCase)
			.doesNotContain("cookie", "accept-encoding", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
					"x-forwarded-port", "x-forwarded-prefix");
		// A real model is forwarded as the very same bytes.
		assertThat(received.bodyText()).isEqualTo(body);
	}

	@Test
	void thinkingModelIsRewrittenAndEverythingElseArrivesUnchanged() throws Exception {
		upstream.respond(FakeUpstream.json(200, COMPLETION));
		// 3 MB of multilingual text, escapes, big and precise numbers, tools: all must arrive with the same meaning.
		StringBuilder big = new StringBuilder();
		while (big.length() < 1_000_000) {
			big.append("héllo 世界 🚀 \\\"quoted\\\" \\u00e9 tab\\t ");
		}
		String body = "{\"model\":\"kimi-for-coding-thinking\",\"x_ratio\":0.30000000000000004,"
				+ "\"seed\":12345678901234567890,\"max_tokens\":1e3,\"thinking\":false,"
				+ "\"messages\":[{\"role\":\"system\",\"content\":\"" + big + "\"},"
				+ "{\"role\":\"user\",\"content\":\"" + big + "\"},{\"role\":\"user\",\"content\":\"" + big + "\"}],"
				+ "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"read\",\"parameters\":{\"type\":\"object\"}}}]}";
		assertThat(body.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(3_000_000);
		LogCapture.clear();

		HttpResponse<String> response = postJson("/v1/chat/completions", body, "Authorization", "Bearer sk-x");

		assertThat(response.statusCode()).isEqualTo(200);
		Received received = upstream.takeRequest();
		ObjectNode expected = (ObjectNode) JSON.readTree(body);
		expected.put("model", "kimi-for-coding");
		expected.putObject("thinking").put("type", "enabled");
		expected.put("max_tokens", 1000 + 4096); // thinking: the route's headroom for reasoning
		JsonNode actual = JSON.readTree(received.body());
		assertThat(actual).isEqualTo(expected);
		// Untouched fields keep their exact spelling (no float rounding, no re-escaping).
		assertThat(received.bodyText()).contains("\"x_ratio\":0.30000000000000004",
				"\"seed\":12345678901234567890", "\\u00e9 tab\\t");
		assertThat(received.bodyText()).startsWith("{\"model\":\"kimi-for-coding\",");
		assertThat(received.headers().getInt("Content-Length")).isEqualTo(received.body().length);
		List<String> lines = LogCapture.lines();
		assertThat(lines).anyMatch(l -> l.contains("Thinking mode activated") && l.contains("kimi-for-coding-thinking"));
		assertThat(lines).noneMatch(l -> l.contains("héllo") || l.contains("sk-x"));
	}

	@Test
	void thinkingIsAddedWhenAbsentAndOtherModelsPassThrough() throws Exception {
		postJson("/v1/chat/completions", "{\"messages\":[],\"model\":\"kimi-for-coding-thinking\"}");
		assertThat(upstream.takeRequest().bodyText())
			.isEqualTo("{\"messages\":[],\"model\":\"kimi-for-coding\",\"thinking\":{\"type\":\"enabled\"}}");

		String unknown = "{ \"model\" : \"some-other-model\", \"messages\" : [{\"role\":\"user\",\"content\":\"hi\"}] }";
		HttpResponse<String> response = postJson("/v1/chat/completions", unknown);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(upstream.takeRequest().bodyText()).isEqualTo(unknown);
	}

	@Test
	void streamEventsReachTheClientBeforeTheUpstreamHasFinished() throws Exception {
		CountDownLatch clientSawFirstEvent = new CountDownLatch(1);
		String first = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}";
		upstream.respond(FakeUpstream.sseGated(first, clientSawFirstEvent,
				List.of("data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}", "data: [DONE]")));

		HttpRequest request = request("/v1/chat/completions").header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"stream\":true,"
					+ "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
			.build();
		HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("text/event-stream"));
		List<String> lines = new ArrayList<>();
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			// The upstream holds the rest back until this first event has arrived here: a buffering gateway would
			// deliver nothing and this read would only end when the fake gives up waiting.
			long start = System.nanoTime();
			assertThat(reader.readLine()).isEqualTo(first);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			clientSawFirstEvent.countDown();
			String line;
			while ((line = reader.readLine()) != null) {
				if (!line.isEmpty()) {
					lines.add(line);
				}
			}
		}
		assertThat(lines).containsExactly("data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}", "data: [DONE]");
	}

	@Test
	void rootAndModelList() throws Exception {
		HttpResponse<String> root = get("/");
		assertThat(root.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(root.body())).isEqualTo(JSON.readTree("{\"status\":\"running\"}"));

		HttpResponse<String> models = get("/v1/models");
		assertThat(models.statusCode()).isEqualTo(200);
		assertThat(models.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("application/json"));
		JsonNode list = JSON.readTree(models.body());
		assertThat(list.get("object").asString()).isEqualTo("list");
		// Without a key the upstream's catalogue is not asked: the models the YAML declares, as Kimi lists them today.
		assertThat(list.get("data").valueStream().map(m -> m.get("id").asString())).containsExactly("kimi-for-coding",
				"kimi-for-coding-highspeed", "k3", "k3-256k", "kimi-for-coding-thinking",
				"kimi-for-coding-thinking-inline", "kimi-for-coding-highspeed-thinking-inline", "k3-thinking",
				"k3-thinking-inline", "k3-256k-thinking", "k3-256k-thinking-inline");
		for (JsonNode model : list.get("data")) {
			assertThat(model.get("object").asString()).isEqualTo("model");
			assertThat(model.get("created").isNumber()).isTrue();
			assertThat(model.get("owned_by").asString()).isEqualTo("moonshotai");
		}
		HttpResponse<String> one = get("/v1/models/kimi-for-coding-thinking");
		assertThat(JSON.readTree(one.body()).get("id").asString()).isEqualTo("kimi-for-coding-thinking");
		assertError(get("/v1/models/nope"), 404, "invalid_request_error");
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void corsPreflightAndResponseHeaders() throws Exception {
		HttpResponse<String> preflight = http.send(request("/v1/chat/completions")
			.method("OPTIONS", HttpRequest.BodyPublishers.noBody())
			.header("Origin", "https://chat.example")
			.header("Access-Control-Request-Method", "POST")
			.header("Access-Control-Request-Headers", "authorization, content-type")
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(preflight.statusCode()).isEqualTo(200);
		assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
		assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
		assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
			.contains("authorization", "content-type");
		assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
		assertThat(upstream.requestCount()).isZero();

		upstream.respond(FakeUpstream.json(200, COMPLETION));
		HttpResponse<String> post = postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\"}", "Origin",
				"https://chat.example");
		assertThat(post.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
		assertThat(get("/v1/models").headers().map()).doesNotContainKey("access-control-allow-origin");
		HttpResponse<String> models = http.send(request("/v1/models").header("Origin", "https://chat.example").GET()
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(models.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
	}

	@Test
	void accessLogHasOneLinePerRequestAndNoSecrets() throws Exception {
		upstream.respond(FakeUpstream.json(200, COMPLETION));
		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding-thinking\",\"messages\":[{\"role\":\"user\","
				+ "\"content\":\"my private prompt\"}]}", "Authorization", "Bearer sk-very-secret-key",
				"x-api-key", "sk-other-secret");
		List<String> access = waitForAccessLines(1);
		assertThat(access).singleElement()
			.satisfies(line -> assertThat(line).contains("POST /v1/chat/completions", "route=kimi-chat",
					"model=kimi-for-coding-thinking", "status=200", "duration_ms="));
		assertThat(LogCapture.lines()).noneMatch(
				l -> l.contains("sk-very-secret-key") || l.contains("sk-other-secret") || l.contains("private prompt"));
	}

	static List<String> waitForAccessLines(int count) throws InterruptedException {
		return LogCapture.accessLines(count);
	}

	static void assertError(HttpResponse<String> response, int status, String type) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				t -> assertThat(t).startsWith("application/json"));
		JsonNode error = JSON.readTree(response.body()).get("error");
		assertThat(error).as(response.body()).isNotNull();
		assertThat(error.get("type").asString()).isEqualTo(type);
		assertThat(error.get("message").asString()).isNotBlank().doesNotContain("Exception", "\tat ");
	}

}
