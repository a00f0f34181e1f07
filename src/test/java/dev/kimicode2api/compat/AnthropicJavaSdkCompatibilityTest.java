package dev.kimicode2api.compat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.beta.AnthropicBeta;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ThinkingBlock;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Anthropic Messages route ({@code kimi-messages}) driven by the official Anthropic Java SDK, as Claude-style
 * Java clients use it: only the base URL points at the gateway. The fake upstream answers with the bodies and
 * server-sent events the Anthropic API sends.
 */
class AnthropicJavaSdkCompatibilityTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final String SIGNATURE = "EqQBCgIYAhIMb3BhcXVlLXNpZ25hdHVyZRoMc2lnbmVkLWJ5LWtpbWki+/=";

	static final String MESSAGE = """
			{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"kimi-for-coding",\
			"content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn",\
			"stop_sequence":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":0,\
			"cache_read_input_tokens":5,"output_tokens":9}}""";

	static final String THINKING_MESSAGE = """
			{"id":"msg_01Think","type":"message","role":"assistant","model":"kimi-for-coding",\
			"content":[{"type":"thinking","thinking":"The user asks for 6 × 7.\\nThat is 42.","signature":"%s"},\
			{"type":"text","text":"42"}],"stop_reason":"end_turn","stop_sequence":null,\
			"usage":{"input_tokens":14,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":31}}"""
		.formatted(SIGNATURE);

	/** The {@code anthropic-version} that SDK 3.14.0 sends on every request. */
	static final String SDK_API_VERSION = "2026-10-21";

	private AnthropicClient client;

	@BeforeEach
	void sdkClient() {
		client = sdk(port).build();
	}

	/** SDK 3.14.0 sends a key given to {@code apiKey} as {@code Authorization: Bearer}. */
	private static AnthropicOkHttpClient.Builder sdk(int gatewayPort) {
		return AnthropicOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + gatewayPort)
			.apiKey("sk-ant-test")
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30));
	}

	@AfterEach
	void closeClient() {
		client.close();
	}

	@Test
	void messageReachesTheUpstreamPathWithItsHeadersAndTheSameBytes() throws Exception {
		upstream.respond(FakeUpstream.json(200, MESSAGE));
		MessageCreateParams params = MessageCreateParams.builder()
			.model("kimi-for-coding")
			.maxTokens(1024)
			.system("You are a terse coding assistant.")
			.addUserMessage("Hello, Kimi 👋")
			.addStopSequence("\n\nEND")
			.build();

		Message message = client.messages().create(params);

		assertThat(message.content()).singleElement()
			.satisfies(block -> assertThat(block.text().orElseThrow().text())
				.isEqualTo("Hello! How can I help you today?"));
		assertThat(message.id()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
		assertThat(message.usage().inputTokens()).isEqualTo(20);
		assertThat(message.usage().outputTokens()).isEqualTo(9);
		Received received = upstream.takeRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-ant-test");
		assertThat(received.headers().get("anthropic-version")).isEqualTo(SDK_API_VERSION);
		assertThat(received.headers().get("X-Stainless-Lang")).isEqualTo("java");
		// A real model: the SDK's own serialisation of the body is what the upstream gets, byte for byte.
		assertThat(received.bodyText()).isEqualTo(sdkBody(params));
	}

	@Test
	void streamedTextArrivesEventByEventBeforeTheUpstreamHasFinished() throws Exception {
		CountDownLatch clientSawFirstDelta = new CountDownLatch(1);
		String first = String.join("\n\n", messageStart("msg_01Stream", 10),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
						+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
				event("ping", "{\"type\": \"ping\"}"), textDelta(0, "Hello"));
		List<String> restEvents = List.of(textDelta(0, ", wor"), textDelta(0, "ld!"), blockStop(0),
				messageDelta("end_turn", 15), messageStop());
		AtomicBoolean restSent = new AtomicBoolean();
		// The fake iterates this list only once the gate opened (or it gave up waiting, after 20 s).
		List<String> rest = new AbstractList<>() {
			@Override
			public String get(int index) {
				return restEvents.get(index);
			}

			@Override
			public int size() {
				return restEvents.size();
			}

			@Override
			public Iterator<String> iterator() {
				restSent.set(true);
				return super.iterator();
			}
		};
		upstream.respond(FakeUpstream.sseGated(first, clientSawFirstDelta, rest));

		List<String> deltas = new ArrayList<>();
		AtomicBoolean firstDeltaBeforeRest = new AtomicBoolean();
		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder()
				.model("kimi-for-coding")
				.maxTokens(1024)
				.addUserMessage("Say hello")
				.build())) {
			stream.stream().map(accumulator::accumulate).forEach(event -> event.contentBlockDelta()
				.flatMap(delta -> delta.delta().text())
				.ifPresent(text -> {
					if (deltas.isEmpty()) {
						// The upstream holds the rest back until this delta has reached the SDK: through a
						// buffering gateway it would only arrive after the fake gave up waiting and sent the rest.
						firstDeltaBeforeRest.set(!restSent.get());
						clientSawFirstDelta.countDown();
					}
					deltas.add(text.text());
				}));
		}

		assertThat(firstDeltaBeforeRest).isTrue();
		assertThat(deltas).containsExactly("Hello", ", wor", "ld!");
		Message message = accumulator.message();
		assertThat(message.content()).singleElement()
			.satisfies(block -> assertThat(block.text().orElseThrow().text()).isEqualTo("Hello, world!"));
		assertThat(message.stopReason()).hasValueSatisfying(r -> assertThat(r.asString()).isEqualTo("end_turn"));
		assertThat(message.usage().outputTokens()).isEqualTo(15);
		Received received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages");
		assertThat(JSON.readTree(received.body()).get("stream").asBoolean()).isTrue();
	}

	@Test
	void thinkingModelWithAmpleMaxTokensGetsTheDefaultBudgetAndTheSignedThinkingBlockArrivesIntact()
			throws Exception {
		upstream.respond(FakeUpstream.json(200, THINKING_MESSAGE));
		MessageCreateParams params = MessageCreateParams.builder()
			.model("kimi-for-coding-thinking")
			.maxTokens(20000)
			.addUserMessage("What is 6 × 7?")
			.addStopSequence("</answer>")
			.build();

		Message message = client.messages().create(params);

		Received received = upstream.takeRequest();
		assertThat(JSON.readTree(received.body())).isEqualTo(rewritten(params, received, 16000));
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages");
		assertThat(message.content()).hasSize(2);
		ThinkingBlock thinking = message.content().get(0).thinking().orElseThrow();
		assertThat(thinking.thinking()).isEqualTo("The user asks for 6 × 7.\nThat is 42.");
		assertThat(thinking.signature()).isEqualTo(SIGNATURE);
		assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("42");
		assertThat(message.model().asString()).isEqualTo("kimi-for-coding");
	}

	@Test
	void thinkingModelWithSmallMaxTokensKeepsTheBudgetBelowItAndStreamsThinkingAndSignature() throws Exception {
		upstream.respond(FakeUpstream.sse(List.of(messageStart("msg_01ThinkStream", 14),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
						+ "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"),
				delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"The user asks for 6 × 7.\"}"),
				delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"\\nThat is 42.\"}"),
				delta(0, "{\"type\":\"signature_delta\",\"signature\":\"" + SIGNATURE + "\"}"), blockStop(0),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
						+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
				textDelta(1, "42"), blockStop(1), messageDelta("end_turn", 31), messageStop()),
				Duration.ofMillis(5)));
		MessageCreateParams params = MessageCreateParams.builder()
			.model("kimi-for-coding-thinking")
			.maxTokens(4096)
			.addUserMessage("What is 6 × 7?")
			.build();

		StringBuilder thinkingDeltas = new StringBuilder();
		StringBuilder signatureDeltas = new StringBuilder();
		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
			stream.stream().map(accumulator::accumulate).forEach(event -> event.contentBlockDelta().ifPresent(d -> {
				RawContentBlockDelta delta = d.delta();
				delta.thinking().ifPresent(t -> thinkingDeltas.append(t.thinking()));
				delta.signature().ifPresent(s -> signatureDeltas.append(s.signature()));
			}));
		}

		Received received = upstream.takeRequest();
		assertThat(JSON.readTree(received.body())).isEqualTo(rewritten(params, received, 4095));
		assertThat(thinkingDeltas).hasToString("The user asks for 6 × 7.\nThat is 42.");
		assertThat(signatureDeltas).hasToString(SIGNATURE);
		Message message = accumulator.message();
		ThinkingBlock thinking = message.content().get(0).thinking().orElseThrow();
		assertThat(thinking.thinking()).isEqualTo("The user asks for 6 × 7.\nThat is 42.");
		assertThat(thinking.signature()).isEqualTo(SIGNATURE);
		assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("42");
	}

	@Test
	void streamedToolUseIsAssembledFromInputJsonFragments() throws Exception {
		upstream.respond(FakeUpstream.sse(List.of(messageStart("msg_01Tool", 472),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
						+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
				textDelta(0, "Let me check the weather."), blockStop(0),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
						+ "{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\","
						+ "\"input\":{}}}"),
				delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"),
				delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \\\"San Fra\"}"),
				delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"ncisco, CA\\\", \\\"unit\\\": \"}"),
				delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"celsius\\\", \\\"days\\\": [1, 2]}\"}"),
				blockStop(1), messageDelta("tool_use", 89), messageStop()), Duration.ofMillis(5)));
		Tool weather = Tool.builder()
			.name("get_weather")
			.description("Get the current weather in a given location")
			.inputSchema(Tool.InputSchema.builder()
				.properties(JsonValue.from(Map.of("location", Map.of("type", "string"), "unit",
						Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
				.addRequired("location")
				.build())
			.build();

		MessageAccumulator accumulator = MessageAccumulator.create();
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
			.createStreaming(MessageCreateParams.builder()
				.model("kimi-for-coding")
				.maxTokens(1024)
				.addTool(weather)
				.addUserMessage("What's the weather like in San Francisco?")
				.build())) {
			stream.stream().forEach(accumulator::accumulate);
		}

		Message message = accumulator.message();
		assertThat(message.stopReason()).hasValueSatisfying(r -> assertThat(r.asString()).isEqualTo("tool_use"));
		assertThat(message.content()).hasSize(2);
		ToolUseBlock toolUse = message.content().get(1).toolUse().orElseThrow();
		assertThat(toolUse.id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
		assertThat(toolUse.name()).isEqualTo("get_weather");
		assertThat(toolUse._input().convert(Map.class))
			.isEqualTo(Map.of("location", "San Francisco, CA", "unit", "celsius", "days", List.of(1, 2)));
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.get("tools").get(0).get("name").asString()).isEqualTo("get_weather");
	}

	@Test
	void upstreamAuthenticationAndRateLimitErrorsReachTheSdkIntact() throws Exception {
		upstream.respond(FakeUpstream.json(401,
				"{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}",
				"request-id", "req_011CAuth"));
		// This client sends its key as x-api-key: a header set on the client wins over the SDK's Bearer.
		AnthropicClient apiKeyClient = sdk(port).putHeader("x-api-key", "sk-ant-wrong").build();
		UnauthorizedException unauthorized;
		try {
			unauthorized = catchThrowableOfType(UnauthorizedException.class,
					() -> apiKeyClient.messages().create(hello()));
		}
		finally {
			apiKeyClient.close();
		}
		assertThat(unauthorized.statusCode()).isEqualTo(401);
		assertThat(unauthorized.type()).hasValue(ErrorType.AUTHENTICATION_ERROR);
		assertThat(unauthorized.apiMessage()).hasValue("invalid x-api-key");
		assertThat(unauthorized.requestId()).hasValue("req_011CAuth");
		Received rejected = upstream.takeRequest();
		assertThat(rejected.headers().get("x-api-key")).isEqualTo("sk-ant-wrong");
		assertThat(rejected.headers().contains("Authorization")).isFalse();

		upstream.respond(FakeUpstream.json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
				+ "\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}",
				"Retry-After", "7"));
		RateLimitException limited = catchThrowableOfType(RateLimitException.class,
				() -> client.messages().create(hello()));
		assertThat(limited.statusCode()).isEqualTo(429);
		assertThat(limited.type()).hasValue(ErrorType.RATE_LIMIT_ERROR);
		assertThat(limited.apiMessage())
			.hasValue("Number of request tokens has exceeded your per-minute rate limit");
		assertThat(limited.headers().values("retry-after")).containsExactly("7");
		// maxRetries(0): the SDK did not retry, and neither did the gateway.
		upstream.takeRequest();
		assertThat(upstream.pollRequest(Duration.ofMillis(300))).isNull();
	}

	@Test
	void gatewayErrorsAreAnthropicShapedForTheSdk() throws Exception {
		upstream.respond(FakeUpstream.resetBeforeResponse());
		InternalServerException badGateway = catchThrowableOfType(InternalServerException.class,
				() -> client.messages().create(hello()));
		assertThat(badGateway.statusCode()).isEqualTo(502);
		assertThat(badGateway.type()).hasValue(ErrorType.API_ERROR);
		assertThat(badGateway.apiMessage()).hasValue("Upstream closed the connection before responding");
		assertThat(JSON.readTree(ObjectMappers.jsonMapper().writeValueAsString(badGateway.body())).get("type")
			.asString()).isEqualTo("error");

		// Refused by the gateway itself, before the upstream (`model` must be a string); raw HTTP, as the SDK
		// cannot send such a body.
		upstream.reset();
		HttpResponse<String> invalid = postJson("/v1/messages", "{\"model\":42,\"max_tokens\":8}", "x-api-key",
				"sk-ant-test", "anthropic-version", "2023-06-01");
		assertThat(invalid.statusCode()).isEqualTo(400);
		JsonNode error = JSON.readTree(invalid.body());
		assertThat(error.get("type").asString()).isEqualTo("error");
		assertThat(error.get("error").get("type").asString()).isEqualTo("invalid_request_error");
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void anthropicBetaHeaderIsForwardedUnchanged() throws Exception {
		upstream.respond(FakeUpstream.json(200, MESSAGE));
		String betas = "interleaved-thinking-2025-05-14,token-efficient-tools-2025-02-19";
		HttpResponse<String> raw = postJson("/v1/messages",
				"{\"model\":\"kimi-for-coding\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
				"x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01", "anthropic-beta", betas);
		assertThat(raw.statusCode()).isEqualTo(200);
		Received received = upstream.takeRequest();
		assertThat(received.headers().getAll("anthropic-beta")).containsExactly(betas);
		assertThat(received.headers().get("anthropic-version")).isEqualTo("2023-06-01");
		assertThat(received.headers().get("x-api-key")).isEqualTo("sk-ant-test");

		// The SDK's beta surface sets the same header from typed betas.
		BetaMessage beta = client.beta()
			.messages()
			.create(com.anthropic.models.beta.messages.MessageCreateParams.builder()
				.model("kimi-for-coding")
				.maxTokens(64)
				.addUserMessage("Hi")
				.addBeta(AnthropicBeta.INTERLEAVED_THINKING_2025_05_14)
				.addBeta(AnthropicBeta.TOKEN_EFFICIENT_TOOLS_2025_02_19)
				.build());
		assertThat(beta.content().get(0).text().orElseThrow().text()).isEqualTo("Hello! How can I help you today?");
		Received fromSdk = upstream.takeRequest();
		assertThat(fromSdk.uri()).startsWith("/deep/coding/v1/messages");
		assertThat(String.join(",", fromSdk.headers().getAll("anthropic-beta"))).isEqualTo(betas);
	}

	@Test
	void countTokensGoesToTheUpstreamCountTokensPath() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"input_tokens\":2095}"));

		MessageTokensCount count = client.messages()
			.countTokens(MessageCountTokensParams.builder()
				.model("kimi-for-coding")
				.system("You are a scientist")
				.addUserMessage("Hello, Kimi")
				.build());

		assertThat(count.inputTokens()).isEqualTo(2095);
		Received received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/messages/count_tokens");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-ant-test");
		assertThat(received.headers().get("anthropic-version")).isEqualTo(SDK_API_VERSION);
		assertThat(JSON.readTree(received.body()).get("model").asString()).isEqualTo("kimi-for-coding");
	}

	@Test
	void tokenMetricsComeFromAnthropicUsage() throws Exception {
		String tokens = "kimicode2api_tokens_total{model=\"kimi-for-coding\",route=\"kimi-messages\",type=\"%s\"}";
		double promptBefore = metric(tokens.formatted("prompt"));
		double completionBefore = metric(tokens.formatted("completion"));
		double totalBefore = metric(tokens.formatted("total"));

		// Plain: input 20 + cache read 5 are prompt, 9 output.
		upstream.respond(FakeUpstream.json(200, MESSAGE));
		client.messages().create(hello());
		awaitMetric(tokens.formatted("total"), totalBefore + 34);
		assertThat(metric(tokens.formatted("prompt")) - promptBefore).isEqualTo(25);
		assertThat(metric(tokens.formatted("completion")) - completionBefore).isEqualTo(9);

		// Streamed: input from message_start, the final output count from message_delta.
		upstream.respond(FakeUpstream.sse(List.of(messageStart("msg_01Metrics", 10),
				event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
						+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
				textDelta(0, "Hi"), blockStop(0), messageDelta("end_turn", 15), messageStop()), Duration.ofMillis(5)));
		try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(hello())) {
			assertThat(stream.stream().count()).isEqualTo(6);
		}
		awaitMetric(tokens.formatted("total"), totalBefore + 34 + 25);
		assertThat(metric(tokens.formatted("prompt")) - promptBefore).isEqualTo(25 + 10);
		assertThat(metric(tokens.formatted("completion")) - completionBefore).isEqualTo(9 + 15);
		assertThat(get("/actuator/prometheus").body()).contains(
				"kimicode2api_requests_seconds_count{model=\"kimi-for-coding\",route=\"kimi-messages\","
						+ "status=\"200\",stream=\"true\"}");
	}

	/** With ResilienceTest's short timeouts (so the same cached application context), a stream can go quiet. */
	@Nested
	@TestPropertySource(properties = { "UPSTREAM_FIRST_BYTE_TIMEOUT=1500ms", "UPSTREAM_IDLE_TIMEOUT=1500ms" })
	class BrokenStream {

		/** This context's port (the enclosing instance's {@code port} and client belong to the default context). */
		@LocalServerPort
		int shortTimeoutsPort;

		@Test
		void aStreamTheUpstreamAbandonsEndsWithAnErrorEventTheSdkRaises() {
			upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
				.sendString(Flux.concat(Flux.just(messageStart("msg_01Quiet", 10),
						event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
								+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
						textDelta(0, "Hel")).map(e -> e + "\n\n"), Mono.never())));

			List<String> deltas = new ArrayList<>();
			SseException error;
			AnthropicClient quietClient = sdk(shortTimeoutsPort).build();
			try (StreamResponse<RawMessageStreamEvent> stream = quietClient.messages().createStreaming(hello())) {
				error = catchThrowableOfType(SseException.class, () -> stream.stream()
					.forEach(event -> event.contentBlockDelta()
						.flatMap(d -> d.delta().text())
						.ifPresent(text -> deltas.add(text.text()))));
			}
			finally {
				quietClient.close();
			}

			// What arrived before the upstream went quiet reached the SDK; then the gateway's event: error.
			assertThat(deltas).containsExactly("Hel");
			assertThat(error).isNotNull();
			assertThat(error.statusCode()).isEqualTo(200);
			assertThat(error.type()).hasValue(ErrorType.API_ERROR);
			assertThat(error.apiMessage()).hasValueSatisfying(message -> assertThat(message)
				.startsWith("Upstream stream interrupted: no data from the upstream"));
		}

	}

	// --- helpers ---

	private static MessageCreateParams hello() {
		return MessageCreateParams.builder().model("kimi-for-coding").maxTokens(256).addUserMessage("Hello").build();
	}

	/**
	 * The body exactly as the SDK writes it for {@code params}: as bytes, like the SDK (Jackson 2's byte writer
	 * escapes characters outside the BMP, e.g. an emoji, as a surrogate pair).
	 */
	private static String sdkBody(MessageCreateParams params) throws Exception {
		return new String(ObjectMappers.jsonMapper().writeValueAsBytes(params._body()), StandardCharsets.UTF_8);
	}

	/** What the upstream should get for a thinking virtual model: the SDK's body, model and thinking replaced. */
	private static JsonNode rewritten(MessageCreateParams params, Received received, long budget)
			throws Exception {
		ObjectNode expected = (ObjectNode) JSON.readTree(sdkBody(params));
		expected.put("model", "kimi-for-coding");
		expected.set("thinking", JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
		if (JSON.readTree(received.body()).has("stream")) {
			// createStreaming adds "stream": true to the same body.
			expected.put("stream", true);
		}
		return expected;
	}

	private static String event(String name, String data) {
		return "event: " + name + "\ndata: " + data;
	}

	private static String messageStart(String id, int inputTokens) {
		return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":"
				+ "\"message\",\"role\":\"assistant\",\"model\":\"kimi-for-coding\",\"content\":[],\"stop_reason\":null,"
				+ "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + inputTokens + ",\"cache_creation_input_tokens\":0,"
				+ "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}");
	}

	private static String delta(int index, String delta) {
		return event("content_block_delta",
				"{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
	}

	private static String textDelta(int index, String text) {
		return delta(index, "{\"type\":\"text_delta\",\"text\":\"" + text + "\"}");
	}

	private static String blockStop(int index) {
		return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
	}

	private static String messageDelta(String stopReason, int outputTokens) {
		return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
				+ "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
	}

	private static String messageStop() {
		return event("message_stop", "{\"type\":\"message_stop\"}");
	}

	private void awaitMetric(String series, double expected) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (metric(series) < expected && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(metric(series)).isEqualTo(expected);
	}

}
