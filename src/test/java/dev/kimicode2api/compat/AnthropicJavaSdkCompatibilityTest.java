package dev.kimicode2api.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ThinkingBlock;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official Anthropic Java SDK against the gateway's Messages route, changing nothing but its base URL (the
 * gateway's root). Retries are off, so an error is the first answer's.
 */
class AnthropicJavaSdkCompatibilityTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final String KEY = "sk-ant-kimi-test";

	static final Duration GAP = Duration.ofMillis(10);

	AnthropicClient client;

	@BeforeEach
	void client() {
		client = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port).apiKey(KEY).maxRetries(0).build();
	}

	@AfterEach
	void close() {
		client.close();
	}

	static String message(String contentJson, String stopReason, int input, int output) {
		return "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"kimi-for-coding\",\"content\":"
				+ contentJson + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
				+ input + ",\"output_tokens\":" + output + "}}";
	}

	static String event(String type, String data) {
		return "event: " + type + "\ndata: " + data;
	}

	static String messageStart(int inputTokens) {
		return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\","
				+ "\"role\":\"assistant\",\"model\":\"kimi-for-coding\",\"content\":[],\"stop_reason\":null,"
				+ "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + inputTokens + ",\"output_tokens\":1}}}");
	}

	static String blockStart(int index, String block) {
		return event("content_block_start",
				"{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":" + block + "}");
	}

	static String delta(int index, String delta) {
		return event("content_block_delta",
				"{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
	}

	static String blockStop(int index) {
		return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
	}

	static List<String> messageEnd(String stopReason, int outputTokens) {
		return List.of(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
				+ "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}"),
				event("message_stop", "{\"type\":\"message_stop\"}"));
	}

	static String textDelta(String text) {
		return "{\"type\":\"text_delta\",\"text\":" + JSON.writeValueAsString(text) + "}";
	}

	static void assertForwarded(Received received, String path) {
		assertThat(received.uri()).isEqualTo(path);
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		// The SDK sends its key as x-api-key or, as 3.14.0 does, as a bearer token: either reaches Kimi unchanged.
		assertThat(received.headers().get("x-api-key") != null ? received.headers().get("x-api-key")
				: received.headers().get("Authorization")).isIn(KEY, "Bearer " + KEY);
		assertThat(received.headers().get("anthropic-version")).isNotBlank();
	}

	@Test
	void aMessage() throws Exception {
		upstream.respond(FakeUpstream.json(200, message("[{\"type\":\"text\",\"text\":\"Hello from Kimi.\"}]", "end_turn", 10, 4)));

		Message message = client.messages().create(MessageCreateParams.builder()
			.model("kimi-for-coding")
			.maxTokens(1024)
			.addUserMessage("Hello")
			.build());

		assertThat(message.content()).singleElement()
			.satisfies(block -> assertThat(block.text().orElseThrow().text()).isEqualTo("Hello from Kimi."));
		assertThat(message.usage().inputTokens()).isEqualTo(10);
		Received received = upstream.takeRequest();
		assertForwarded(received, "/deep/coding/v1/messages");
		JsonNode sent = JSON.readTree(received.body());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.has("thinking")).isFalse();
	}

	@Test
	void aStreamArrivesIncrementally() throws Exception {
		CountDownLatch clientSawText = new CountDownLatch(1);
		upstream.respond(FakeUpstream.sseGated(messageStart(8) + "\n\n" + blockStart(0, "{\"type\":\"text\",\"text\":\"\"}")
				+ "\n\n" + delta(0, textDelta("Once ")), clientSawText, concat(List.of(delta(0, textDelta("upon ")),
						delta(0, textDelta("a time.")), blockStop(0)), messageEnd("end_turn", 5))));

		StringBuilder text = new StringBuilder();
		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(100).addUserMessage("Story").build())) {
			stream.stream().peek(accumulator::accumulate).forEach(event -> event.contentBlockDelta()
				.flatMap(d -> d.delta().text())
				.ifPresent(t -> {
					text.append(t.text());
					// The upstream sends the rest only after this: a buffering gateway would never get here twice.
					clientSawText.countDown();
				}));
		}

		assertThat(text).hasToString("Once upon a time.");
		Message message = accumulator.message();
		assertThat(message.content().get(0).text().orElseThrow().text()).isEqualTo("Once upon a time.");
		assertThat(message.usage().outputTokens()).isEqualTo(5);
		assertForwarded(upstream.takeRequest(), "/deep/coding/v1/messages");
	}

	@Test
	void theThinkingModelSendsAnthropicThinkingAndTheSignedBlockArrivesIntact() throws Exception {
		upstream.respond(FakeUpstream.json(200, message("[{\"type\":\"thinking\",\"thinking\":\"Let me check.\","
				+ "\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxKf\"},{\"type\":\"text\",\"text\":\"42\"}]", "end_turn", 9, 30)));

		Message message = client.messages().create(MessageCreateParams.builder()
			.model("kimi-for-coding-thinking")
			.maxTokens(20000)
			.stopSequences(List.of("END"))
			.addUserMessage("What is the answer?")
			.build());

		ThinkingBlock thinking = message.content().get(0).thinking().orElseThrow();
		assertThat(thinking.thinking()).isEqualTo("Let me check.");
		assertThat(thinking.signature()).isEqualTo("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxKf");
		assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("42");
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking")).isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":16000}"));
		assertThat(sent.get("max_tokens").asInt()).isEqualTo(20000);
		assertThat(sent.get("stop_sequences")).isEqualTo(JSON.readTree("[\"END\"]"));
		assertThat(sent.get("messages")).isEqualTo(JSON.readTree("[{\"role\":\"user\",\"content\":\"What is the answer?\"}]"));
	}

	@Test
	void theThinkingModelStreamedKeepsThinkingAndSignatureDeltas() throws Exception {
		upstream.respond(FakeUpstream.sse(concat(List.of(messageStart(9),
				blockStart(0, "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"),
				delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Let me \"}"),
				delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"check.\"}"),
				delta(0, "{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxKf\"}"),
				blockStop(0), blockStart(1, "{\"type\":\"text\",\"text\":\"\"}"), delta(1, textDelta("42")), blockStop(1)),
				messageEnd("end_turn", 20)), GAP));

		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder()
				.model("kimi-for-coding-thinking")
				.maxTokens(4096)
				.addUserMessage("What is the answer?")
				.build())) {
			stream.stream().forEach(accumulator::accumulate);
		}

		Message message = accumulator.message();
		ThinkingBlock thinking = message.content().get(0).thinking().orElseThrow();
		assertThat(thinking.thinking()).isEqualTo("Let me check.");
		assertThat(thinking.signature()).isEqualTo("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxKf");
		assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("42");
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.get("thinking")).isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":4095}"));
		assertThat(sent.get("stream").asBoolean()).isTrue();
	}

	@Test
	void aStreamedToolUseIsAssembledFromInputJsonDeltas() throws Exception {
		upstream.respond(FakeUpstream.sse(concat(List.of(messageStart(30),
				blockStart(0, "{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"get_weather\",\"input\":{}}"),
				delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"),
				delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"ci\"}"),
				delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"ty\\\": \\\"Par\"}"),
				delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"is\\\", \\\"unit\\\": \\\"celsius\\\"}\"}"),
				blockStop(0)), messageEnd("tool_use", 25)), GAP));

		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder()
				.model("kimi-for-coding")
				.maxTokens(1024)
				.addTool(Tool.builder()
					.name("get_weather")
					.description("Weather in a city")
					.inputSchema(Tool.InputSchema.builder()
						.properties(JsonValue.from(Map.of("city", Map.of("type", "string"), "unit", Map.of("type", "string"))))
						.build())
					.build())
				.addUserMessage("Weather in Paris?")
				.build())) {
			stream.stream().forEach(accumulator::accumulate);
		}

		Message message = accumulator.message();
		ToolUseBlock toolUse = message.content().stream().map(ContentBlock::toolUse).flatMap(java.util.Optional::stream)
			.findFirst().orElseThrow();
		assertThat(toolUse.id()).isEqualTo("toolu_01A");
		assertThat(toolUse.name()).isEqualTo("get_weather");
		assertThat(toolUse._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris", "unit", "celsius"));
		assertThat(message.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
		assertThat(JSON.readTree(upstream.takeRequest().body()).get("tools").get(0).get("name").asString())
			.isEqualTo("get_weather");
	}

	@Test
	void upstream401And429BecomeTheSdksExceptionsWithTheirMessages() {
		upstream.respond(FakeUpstream.json(401,
				"{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"));
		UnauthorizedException unauthorized = catchThrowableOfType(UnauthorizedException.class, () -> client.messages()
			.create(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(10).addUserMessage("x").build()));
		assertThat(unauthorized.statusCode()).isEqualTo(401);
		assertThat(unauthorized.apiMessage()).hasValue("invalid x-api-key");
		assertThat(unauthorized.getMessage()).contains("invalid x-api-key");

		upstream.respond(FakeUpstream.json(429,
				"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of concurrent connections has exceeded your rate limit.\"}}",
				"Retry-After", "7"));
		RateLimitException limited = catchThrowableOfType(RateLimitException.class, () -> client.messages()
			.create(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(10).addUserMessage("x").build()));
		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.apiMessage()).hasValue("Number of concurrent connections has exceeded your rate limit.");
		assertThat(limited.headers().values("Retry-After")).containsExactly("7");
	}

	@Test
	void gatewayErrorsReachTheSdkInAnthropicShape() throws Exception {
		upstream.respond(FakeUpstream.resetBeforeResponse());
		InternalServerException failed = catchThrowableOfType(InternalServerException.class, () -> client.messages()
			.create(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(10).addUserMessage("x").build()));
		assertThat(failed.statusCode()).isEqualTo(502);
		assertThat(failed.apiMessage()).hasValue("Upstream closed the connection before responding");
		assertThat(failed.type().orElseThrow().asString()).isEqualTo("api_error");
	}

	@Test
	void countTokensGoesToItsOwnUpstreamPath() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"input_tokens\":14}"));

		long tokens = client.messages()
			.countTokens(MessageCountTokensParams.builder().model("kimi-for-coding").addUserMessage("Hello").build())
			.inputTokens();

		assertThat(tokens).isEqualTo(14);
		assertForwarded(upstream.takeRequest(), "/deep/coding/v1/messages/count_tokens");
	}

	@Test
	void tokensAreCountedFromAnthropicUsage() throws Exception {
		String series = "kimicode2api_tokens_total{model=\"kimi-for-coding\",route=\"kimi-messages\",type=\"%s\"}";
		double promptBefore = metric(series.formatted("prompt"));
		double completionBefore = metric(series.formatted("completion"));
		upstream.respond(FakeUpstream.json(200, message("[{\"type\":\"text\",\"text\":\"ok\"}]", "end_turn", 10, 4)));
		client.messages().create(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(10).addUserMessage("x").build());
		upstream.respond(FakeUpstream.sse(concat(List.of(messageStart(7), blockStart(0, "{\"type\":\"text\",\"text\":\"\"}"),
				delta(0, textDelta("ok")), blockStop(0)), messageEnd("end_turn", 3)), GAP));
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder().model("kimi-for-coding").maxTokens(10).addUserMessage("x").build())) {
			stream.stream().forEach(event -> { });
		}
		assertThat(metric(series.formatted("prompt")) - promptBefore).isEqualTo(17);
		assertThat(metric(series.formatted("completion")) - completionBefore).isEqualTo(7);
	}

	static List<String> concat(List<String> first, List<String> second) {
		return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
	}

}
