package dev.kimicode2api.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.compat.OpenAiWire.assertForwardedChat;
import static dev.kimicode2api.compat.OpenAiWire.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official OpenAI Java SDK ({@code com.openai:openai-java}, OkHttp transport), pointed at the running gateway
 * with nothing but its base URL changed. Response validation is on, so every response must have the shape the SDK
 * expects; retries are off, so an error reaches the test exactly as the first answer carried it.
 */
class OpenAiJavaSdkCompatibilityTest extends GatewayTest {

	static final String KEY = "sk-kimi-openai-java";

	static final Duration GAP = Duration.ofMillis(15);

	OpenAIClient client;

	@BeforeEach
	void client() {
		client = OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(KEY)
			.maxRetries(0)
			.responseValidation(true)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	@AfterEach
	void closeClient() {
		client.close();
	}

	@Test
	void listsAndRetrievesModels() {
		List<Model> models = client.models().list().data();

		// Kimi's own catalogue for this key, in its order, then the virtual and the derived thinking models.
		assertThat(models).extracting(Model::id).containsExactly("kimi-for-coding", "kimi-for-coding-highspeed", "k3-256k", "k3",
					"kimi-for-coding-thinking", "kimi-for-coding-thinking-inline", "kimi-for-coding-highspeed-thinking-inline",
					"k3-256k-thinking", "k3-256k-thinking-inline", "k3-thinking", "k3-thinking-inline");
		// Capability fields pass through: UIs read the context length.
		assertThat(models.get(0)._additionalProperties().get("context_length")).isEqualTo(JsonValue.from(1048576));
		assertThat(models.get(3)._additionalProperties().get("supports_thinking_type")).isEqualTo(JsonValue.from("both"));
		assertThat(models.get(9)._additionalProperties().get("context_length")).isEqualTo(JsonValue.from(262144));
		assertThat(models).allSatisfy(model -> {
			assertThat(model.ownedBy()).isEqualTo("moonshotai");
			assertThat(model.created()).isPositive();
			assertThat(model._object_()).isEqualTo(JsonValue.from("model"));
		});
		assertThat(client.models().retrieve("kimi-for-coding-thinking").id()).isEqualTo("kimi-for-coding-thinking");
		assertThat(upstream.requestCount()).as("no chat request reached the upstream").isZero();
	}

	@Test
	void plainCompletion() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.json(200,
				OpenAiWire.completion(id, OpenAiWire.assistantMessage("Hello from Kimi!"), "stop", 9, 4)));

		ChatCompletion completion = client.chat()
			.completions()
			.create(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding")
				.addSystemMessage("You are terse.")
				.addUserMessage("Say hello")
				.build());

		assertThat(completion.id()).isEqualTo(id);
		assertThat(completion.choices()).singleElement().satisfies(choice -> {
			assertThat(choice.message().content()).hasValue("Hello from Kimi!");
			assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
		});
		assertThat(completion.usage().map(CompletionUsage::totalTokens)).hasValue(13L);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("messages").get(1).get("content").asString()).isEqualTo("Say hello");
		assertThat(sent.has("thinking")).isFalse();
	}

	@Test
	void streamReadToTheEnd() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.sse(OpenAiWire.textStream(id, "Once ", "upon ", "a ", "time", "."), GAP));

		List<ChatCompletionChunk> chunks;
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding")
				.addUserMessage("Tell a story")
				.build())) {
			chunks = stream.stream().toList();
		}

		// role chunk, five pieces, stop chunk; [DONE] ends the stream and is no chunk.
		assertThat(chunks).hasSize(7).allSatisfy(chunk -> assertThat(chunk.id()).isEqualTo(id));
		String text = chunks.stream()
			.flatMap(chunk -> chunk.choices().stream())
			.map(choice -> choice.delta().content().orElse(""))
			.reduce("", String::concat);
		assertThat(text).isEqualTo("Once upon a time.");
		assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
			.hasValue(ChatCompletionChunk.Choice.FinishReason.STOP);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		assertThat(body(received).get("stream").asBoolean()).isTrue();
	}

	@Test
	void thinkingModelNonStreamedCarriesReasoningContent() throws Exception {
		var message = OpenAiWire.assistantMessage("42.");
		message.put("reasoning_content", "The user wants the answer. It is 42.");
		upstream.respond(FakeUpstream.json(200, OpenAiWire.completion(OpenAiWire.newId(), message, "stop", 5, 12)));

		ChatCompletion completion = client.chat()
			.completions()
			.create(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding-thinking")
				.addUserMessage("What is the answer?")
				.build());

		var answer = completion.choices().get(0).message();
		assertThat(answer.content()).hasValue("42.");
		// The SDK has no typed field for reasoning_content; it keeps it among the message's additional properties.
		assertThat(answer._additionalProperties().get("reasoning_content"))
			.isNotNull()
			.satisfies(v -> assertThat(v.asString()).hasValue("The user wants the answer. It is 42."));

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
	}

	@Test
	void thinkingModelStreamedCarriesReasoningDeltas() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.sse(List.of(OpenAiWire.chunk(id, OpenAiWire.roleDelta(), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("Let me "), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("think."), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta("Done"), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta(" thinking."), null),
				OpenAiWire.chunk(id, OpenAiWire.delta(), "stop"), OpenAiWire.DONE), GAP));

		StringBuilder reasoning = new StringBuilder();
		StringBuilder content = new StringBuilder();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding-thinking")
				.addUserMessage("Think first")
				.build())) {
			stream.stream().flatMap(chunk -> chunk.choices().stream()).forEach(choice -> {
				JsonValue piece = choice.delta()._additionalProperties().get("reasoning_content");
				if (piece != null) {
					reasoning.append(piece.asString().orElseThrow());
				}
				content.append(choice.delta().content().orElse(""));
			});
		}

		assertThat(reasoning).hasToString("Let me think.");
		assertThat(content).hasToString("Done thinking.");
		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
		assertThat(sent.get("stream").asBoolean()).isTrue();
	}

	@Test
	void inlineThinkingModelNonStreamedHasReasoningInContent() throws Exception {
		var message = OpenAiWire.assistantMessage("42.");
		message.put("reasoning_content", "The user wants the answer. It is 42.");
		upstream.respond(FakeUpstream.json(200, OpenAiWire.completion(OpenAiWire.newId(), message, "stop", 5, 12)));

		ChatCompletion completion = client.chat()
			.completions()
			.create(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding-thinking-inline")
				.addUserMessage("What is the answer?")
				.build());

		var answer = completion.choices().get(0).message();
		assertThat(answer.content()).hasValue("<think>The user wants the answer. It is 42.</think>42.");
		assertThat(answer._additionalProperties()).doesNotContainKey("reasoning_content");
		assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(17);
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
	}

	@Test
	void inlineThinkingModelStreamedHasReasoningInContent() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.sse(List.of(OpenAiWire.chunk(id, OpenAiWire.roleDelta(), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("Let me "), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("think."), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta("Done"), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta(" thinking."), null),
				OpenAiWire.chunk(id, OpenAiWire.delta(), "stop"), OpenAiWire.usageChunk(id, 4, 6), OpenAiWire.DONE),
				GAP));

		StringBuilder content = new StringBuilder();
		ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding-thinking-inline")
				.addUserMessage("Think first")
				.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
				.build())) {
			stream.stream().peek(accumulator::accumulate).flatMap(chunk -> chunk.choices().stream()).forEach(choice -> {
				assertThat(choice.delta()._additionalProperties()).doesNotContainKey("reasoning_content");
				content.append(choice.delta().content().orElse(""));
			});
		}

		assertThat(content).hasToString("<think>Let me think.</think>Done thinking.");
		ChatCompletion assembled = accumulator.chatCompletion();
		assertThat(assembled.choices().get(0).message().content()).hasValue("<think>Let me think.</think>Done thinking.");
		assertThat(assembled.usage().orElseThrow().totalTokens()).isEqualTo(10);
	}

	@Test
	void streamedToolCallIsAssembledFromFragments() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.sse(OpenAiWire.toolCallStream(id, "call_7Qx2", "get_weather", "{\"ci",
				"ty\": \"Par", "is\", \"unit\"", ": \"celsius\"}"), GAP));

		ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding")
				.addUserMessage("Weather in Paris?")
				.addFunctionTool(FunctionDefinition.builder()
					.name("get_weather")
					.description("Current weather in a city")
					.parameters(FunctionParameters.builder()
						.putAdditionalProperty("type", JsonValue.from("object"))
						.putAdditionalProperty("properties",
								JsonValue.from(Map.of("city", Map.of("type", "string"), "unit",
										Map.of("type", "string"))))
						.putAdditionalProperty("required", JsonValue.from(List.of("city")))
						.build())
					.build())
				.build())) {
			stream.stream().forEach(accumulator::accumulate);
		}

		ChatCompletion assembled = accumulator.chatCompletion();
		assertThat(assembled.choices()).singleElement().satisfies(choice -> {
			assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
			List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
			assertThat(calls).singleElement().satisfies(call -> {
				ChatCompletionMessageFunctionToolCall function = call.asFunction();
				assertThat(function.id()).isEqualTo("call_7Qx2");
				assertThat(function.function().name()).isEqualTo("get_weather");
				assertThat(function.function().arguments())
					.isEqualTo("{\"city\": \"Paris\", \"unit\": \"celsius\"}");
			});
		});

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode tool = body(received).get("tools").get(0);
		assertThat(tool.get("type").asString()).isEqualTo("function");
		assertThat(tool.get("function").get("name").asString()).isEqualTo("get_weather");
	}

	@Test
	void finalUsageChunkIsSeen() throws Exception {
		String id = OpenAiWire.newId();
		List<String> events = new java.util.ArrayList<>(OpenAiWire.textStream(id, "Two ", "words"));
		events.add(events.size() - 1, OpenAiWire.usageChunk(id, 21, 3));
		upstream.respond(FakeUpstream.sse(events, GAP));

		List<ChatCompletionChunk> chunks;
		ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("kimi-for-coding")
				.addUserMessage("Two words")
				.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
				.build())) {
			chunks = stream.stream().map(accumulator::accumulate).toList();
		}

		ChatCompletionChunk last = chunks.get(chunks.size() - 1);
		assertThat(last.choices()).isEmpty();
		CompletionUsage usage = last.usage().orElseThrow();
		assertThat(usage.promptTokens()).isEqualTo(21);
		assertThat(usage.completionTokens()).isEqualTo(3);
		assertThat(usage.totalTokens()).isEqualTo(24);
		ChatCompletion assembled = accumulator.chatCompletion();
		assertThat(assembled.choices().get(0).message().content()).hasValue("Two words");
		assertThat(assembled.usage().map(CompletionUsage::totalTokens)).hasValue(24L);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		assertThat(body(received).get("stream_options").get("include_usage").asBoolean()).isTrue();
	}

	@Test
	void upstream401IsUnauthorizedException() throws Exception {
		upstream.respond(FakeUpstream.json(401, OpenAiWire.INVALID_KEY_BODY));

		UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
				() -> client.chat()
					.completions()
					.create(ChatCompletionCreateParams.builder()
						.model("kimi-for-coding")
						.addUserMessage("Hi")
						.build()));

		assertThat(e).isNotNull();
		assertThat(e.statusCode()).isEqualTo(401);
		assertThat(e.getMessage()).isEqualTo("401: Invalid API key");
		assertThat(e.type()).hasValue("invalid_request_error");
		assertForwardedChat(upstream.takeRequest(), KEY);
	}

	@Test
	void upstream429IsRateLimitExceptionWithRetryAfter() throws Exception {
		upstream.respond(FakeUpstream.json(429, OpenAiWire.RATE_LIMIT_BODY, "Retry-After", "7"));

		RateLimitException e = catchThrowableOfType(RateLimitException.class,
				() -> client.chat()
					.completions()
					.create(ChatCompletionCreateParams.builder()
						.model("kimi-for-coding")
						.addUserMessage("Hi")
						.build()));

		assertThat(e).isNotNull();
		assertThat(e.statusCode()).isEqualTo(429);
		assertThat(e.getMessage()).isEqualTo("429: " + OpenAiWire.RATE_LIMIT_MESSAGE);
		assertThat(e.type()).hasValue("rate_limit_error");
		assertThat(e.headers().values("Retry-After")).containsExactly("7");
		assertForwardedChat(upstream.takeRequest(), KEY);
		assertThat(upstream.pollRequest(Duration.ofMillis(300))).as("maxRetries(0): no second attempt").isNull();
	}

	@Test
	void upstream429OnAStreamIsRateLimitException() throws Exception {
		upstream.respond(FakeUpstream.json(429, OpenAiWire.RATE_LIMIT_BODY, "Retry-After", "7"));

		RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> {
			try (StreamResponse<ChatCompletionChunk> stream = client.chat()
				.completions()
				.createStreaming(ChatCompletionCreateParams.builder()
					.model("kimi-for-coding")
					.addUserMessage("Hi")
					.build())) {
				stream.stream().forEach(chunk -> {
				});
			}
		});

		assertThat(e).isNotNull();
		assertThat(e.statusCode()).isEqualTo(429);
		assertThat(e.getMessage()).isEqualTo("429: " + OpenAiWire.RATE_LIMIT_MESSAGE);
		assertThat(e.headers().values("Retry-After")).containsExactly("7");
		assertForwardedChat(upstream.takeRequest(), KEY);
	}

}
