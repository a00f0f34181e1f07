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
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/** The Anthropic Messages route over raw HTTP: forwarding, headers, SSE relay, its thinking model, its errors. */
class AnthropicMessagesTest extends GatewayTest {

	static final String MESSAGE = """
			{"id":"msg_1","type":"message","role":"assistant","model":"kimi-for-coding","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3}}""";

	HttpResponse<String> postMessages(String path, String body, String... headers) throws Exception {
		return postJson(path, body, headers);
	}

	@Test
	void forwardsToTheBasePathWithAnthropicHeadersAndTheCodingAgentUserAgent() throws Exception {
		upstream.respond(FakeUpstream.json(200, MESSAGE, "request-id", "req_1"));
		String body = "{\"model\":\"kimi-for-coding\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

		HttpResponse<String> response = postMessages("/v1/messages", body, "x-api-key", "sk-kimi-secret",
				"anthropic-version", "2023-06-01", "anthropic-beta", "interleaved-thinking-2025-05-14",
				"User-Agent", "claude-cli/2.0", "Cookie", "a=b", "X-Forwarded-For", "10.0.0.1");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(MESSAGE);
		assertThat(response.headers().firstValue("request-id")).hasValue("req_1");
		Received received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("x-api-key")).isEqualTo("sk-kimi-secret");
		assertThat(received.headers().get("anthropic-version")).isEqualTo("2023-06-01");
		assertThat(received.headers().get("anthropic-beta")).isEqualTo("interleaved-thinking-2025-05-14");
		assertThat(received.headers().names()).map(String::toLowerCase).doesNotContain("cookie", "x-forwarded-for");
		assertThat(received.bodyText()).isEqualTo(body);

		postMessages("/v1/messages/count_tokens", "{\"model\":\"kimi-for-coding\",\"messages\":[]}",
				"Authorization", "Bearer sk-kimi-secret");
		received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages/count_tokens");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-kimi-secret");
	}

	@Test
	void thinkingModelGetsAnthropicThinkingWithABudgetBelowMaxTokens() throws Exception {
		upstream.respond(FakeUpstream.json(200, MESSAGE));
		postMessages("/v1/messages", "{\"model\":\"kimi-for-coding-thinking\",\"max_tokens\":32000,\"temperature\":1,"
				+ "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"thinking\":{\"type\":\"disabled\"}}");
		assertThat(upstream.takeRequest().bodyText()).isEqualTo("{\"model\":\"kimi-for-coding\",\"max_tokens\":32000,"
				+ "\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
				+ "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":16000}}");

		postMessages("/v1/messages", "{\"model\":\"kimi-for-coding-thinking\",\"max_tokens\":4096,\"messages\":[]}");
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.get("thinking").get("budget_tokens").asInt()).isEqualTo(4095);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");

		assertAnthropicError(postMessages("/v1/messages",
				"{\"model\":\"kimi-for-coding-thinking\",\"max_tokens\":1,\"messages\":[]}"), 400, "invalid_request_error");
	}

	@Test
	void streamEventsAreRelayedOneByOne() throws Exception {
		CountDownLatch clientSawFirst = new CountDownLatch(1);
		String first = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}";
		upstream.respond(FakeUpstream.sseGated(first, clientSawFirst, List.of(
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
				"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}",
				"event: message_stop\ndata: {\"type\":\"message_stop\"}")));
		HttpResponse<InputStream> response = http.send(request("/v1/messages").header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
			.build(), HttpResponse.BodyHandlers.ofInputStream());
		assertThat(response.statusCode()).isEqualTo(200);
		List<String> lines = new ArrayList<>();
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			assertThat(reader.readLine()).isEqualTo("event: message_start");
			assertThat(reader.readLine()).startsWith("data: {\"type\":\"message_start\"");
			clientSawFirst.countDown(); // the upstream sends the rest only now: a buffering gateway would hang here
			String line;
			while ((line = reader.readLine()) != null) {
				if (!line.isEmpty()) {
					lines.add(line);
				}
			}
		}
		assertThat(lines).contains("event: content_block_delta", "event: message_stop");
	}

	@Test
	void gatewayErrorsOnThisRouteAreAnthropicShaped() throws Exception {
		assertAnthropicError(postMessages("/v1/messages", "{\"model\":"), 400, "invalid_request_error");
		assertAnthropicError(postMessages("/v1/messages", "[1]"), 400, "invalid_request_error");
		HttpResponse<String> big = postMessages("/v1/messages",
				"{\"model\":\"kimi-for-coding\",\"x\":\"" + "a".repeat(33 * 1024 * 1024) + "\"}");
		assertAnthropicError(big, 413, "request_too_large");
		HttpResponse<String> get = get("/v1/messages");
		assertAnthropicError(get, 405, "invalid_request_error");
		assertThat(get.headers().firstValue("Allow")).hasValue("POST");
		assertAnthropicError(postMessages("/v1/messages/%2e%2e/chat/completions", "{}"), 400, "invalid_request_error");
		upstream.respond(FakeUpstream.resetBeforeResponse());
		assertAnthropicError(postMessages("/v1/messages", "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 502, "api_error");
		// The OpenAI route keeps its own dialect.
		assertThat(JSON.readTree(postJson("/v1/chat/completions", "{\"model\":").body()).has("type")).isFalse();
	}

	@Test
	void upstreamErrorsPassInAnthropicShapeWithTheirStatusAndRetryAfter() throws Exception {
		String limited = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";
		upstream.respond(FakeUpstream.json(429, limited, "Retry-After", "7"));
		HttpResponse<String> response = postMessages("/v1/messages", "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
		assertThat(response.body()).isEqualTo(limited);

		// An OpenAI-shaped or an HTML error from upstream is rewritten into Anthropic's shape, its message kept.
		upstream.respond(FakeUpstream.json(401, "{\"error\":{\"message\":\"bad key\",\"type\":\"invalid_request_error\"}}"));
		HttpResponse<String> unauthorized = postMessages("/v1/messages", "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		assertAnthropicError(unauthorized, 401, "authentication_error");
		assertThat(unauthorized.body()).contains("bad key");
		upstream.respond(FakeUpstream.text(503, "text/html", "<html>down</html>"));
		assertAnthropicError(postMessages("/v1/messages", "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 503, "api_error");
	}

	@Test
	void aStreamTheUpstreamBreaksEndsWithAnAnthropicErrorEvent() throws Exception {
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Mono.just("event: message_start\ndata: {\"type\":\"message_start\"}\n\n"))
			.then(Mono.delay(Duration.ofMillis(200)).then())
			.then(Mono.<Void>fromRunnable(() -> response.withConnection(c -> c.channel().close())))
			.then(Mono.<Void>never()));
		HttpResponse<String> response = postMessages("/v1/messages", "{\"model\":\"kimi-for-coding\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		assertThat(response.body()).startsWith("event: message_start\n");
		// Reactor Netty may see the reset as the end of the body or as an error; when it is an error, the client
		// gets Anthropic's error event rather than OpenAI's.
		assertThat(response.body()).doesNotContain("proxy_error");
		if (response.body().contains("event: error")) {
			assertThat(response.body()).contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"");
		}
	}

	@Test
	void anthropicUsageIsCountedPerModel() throws Exception {
		String series = "kimicode2api_tokens_total{model=\"kimi-for-coding-thinking\",route=\"kimi-messages\",type=\"%s\"}";
		double inputBefore = metric(series.formatted("prompt"));
		double outputBefore = metric(series.formatted("completion"));
		upstream.respond(FakeUpstream.json(200, MESSAGE));
		postMessages("/v1/messages", "{\"model\":\"kimi-for-coding-thinking\",\"max_tokens\":5000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		dev.kimicode2api.support.LogCapture.clear();
		upstream.respond(FakeUpstream.sse(List.of(
				"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}",
				"event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":8}}",
				"event: message_stop\ndata: {\"type\":\"message_stop\"}"), Duration.ofMillis(10)));
		postMessages("/v1/messages", "{\"model\":\"kimi-for-coding-thinking\",\"stream\":true,\"max_tokens\":5000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
		assertThat(metric(series.formatted("prompt")) - inputBefore).isEqualTo(12 + 25);
		assertThat(metric(series.formatted("completion")) - outputBefore).isEqualTo(3 + 8);
		assertThat(get("/actuator/prometheus").body()).contains("kimicode2api_requests_seconds_count{"
				+ "model=\"kimi-for-coding-thinking\",route=\"kimi-messages\",status=\"200\",stream=\"true\"}");
		assertThat(ChatCompletionsTest.waitForAccessLines(2)).anyMatch(line -> line.contains("POST /v1/messages")
				&& line.contains("route=kimi-messages") && line.contains("stream=true") && line.contains("tokens=25/8/33"));
	}


	static void assertAnthropicError(HttpResponse<String> response, int status, String type) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
		JsonNode json = JSON.readTree(response.body());
		assertThat(json.path("type").asString()).as(response.body()).isEqualTo("error");
		assertThat(json.path("error").path("type").asString()).as(response.body()).isEqualTo(type);
		assertThat(json.path("error").path("message").asString()).isNotBlank().doesNotContain("Exception");
	}

}
