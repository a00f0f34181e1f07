package dev.kimicode2api.compat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.ThinkingConfigDisabled;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.Tool;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiAnswers;

import static dev.kimicode2api.compat.OpenAiWire.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Kimi For Coding as it is today ({@code ../shared/kimi-today.md}), played by the fake upstream: its rules with its
 * own messages, its catalogue, always-thinking answers that spend {@code max_tokens} on reasoning first, and a
 * stream's usage inside {@code choices[0]}. Each test is what a new user does with a real client, and passes only
 * because the gateway adapts the request to what the model accepts (README "Kimi For Coding today").
 */
class KimiTodayCompatibilityTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	String key;

	OpenAIClient client;

	@BeforeEach
	void todaysKimi() {
		upstream.respond(KimiAnswers.today());
		key = "sk-today-" + UUID.randomUUID();
		client = OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(key)
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
	void temperatureZeroAndOtherSamplingAreAnsweredOnTheModelThatAlwaysThinks() throws Exception {
		double before = metric("kimicode2api_repairs_total{kind=\"sampling_temperature\",route=\"kimi-chat\"}");

		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.temperature(0.0)
			.topP(0.5)
			.presencePenalty(0.5)
			.addUserMessage("Say hello")
			.build());

		assertThat(completion.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.has("temperature")).isFalse();
		assertThat(sent.has("top_p")).isFalse();
		assertThat(sent.has("presence_penalty")).isFalse();
		assertThat(metric("kimicode2api_repairs_total{kind=\"sampling_temperature\",route=\"kimi-chat\"}") - before)
			.isEqualTo(1);
	}

	@Test
	void langChain4jWithATemperatureIsAnswered() throws Exception {
		OpenAiChatModel model = OpenAiChatModel.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(key)
			.modelName("kimi-for-coding")
			.temperature(0.2)
			.returnThinking(true)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();

		ChatResponse response = model.chat(dev.langchain4j.data.message.UserMessage.from("Say hello"));

		assertThat(response.aiMessage().text()).isEqualTo("Hello from Kimi.");
		assertThat(response.aiMessage().thinking()).isEqualTo(String.join(" ", KimiAnswers.REASONING));
		assertThat(body(upstream.takeRequest()).has("temperature")).isFalse();
	}

	@Test
	void aDeveloperMessageReachesKimiAsSystem() throws Exception {
		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.addDeveloperMessage("Answer in one line.")
			.addUserMessage("Say hello")
			.build());

		assertThat(completion.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		JsonNode messages = body(upstream.takeRequest()).get("messages");
		assertThat(messages.get(0).get("role").asString()).isEqualTo("system");
		assertThat(messages.get(0).get("content").asString()).isEqualTo("Answer in one line.");
	}

	@Test
	void anEffortTheModelDoesNotDeclareBecomesTheNearestOneAbove() throws Exception {
		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.reasoningEffort(ReasoningEffort.MEDIUM)
			.addUserMessage("Say hello")
			.build());

		assertThat(completion.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		assertThat(body(upstream.takeRequest()).get("reasoning_effort").asString()).isEqualTo("high");
	}

	@Test
	void minimalEffortTurnsThinkingOffWhereTheModelAllowsIt() throws Exception {
		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("k3")
			.reasoningEffort(ReasoningEffort.MINIMAL)
			.addUserMessage("Say hello")
			.build());

		assertThat(completion.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		assertThat(completion.choices().get(0).message()._additionalProperties()).doesNotContainKey("reasoning_content");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.has("reasoning_effort")).isFalse();
		assertThat(sent.at("/thinking/type").asString()).isEqualTo("disabled");
	}

	@Test
	void structuredOutputThroughANamedToolGetsItsCall() throws Exception {
		// The fake Kimi calls the first tool it is given: only the gateway's narrowing makes it the named one.
		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.addUserMessage("Is the build green?")
			.addFunctionTool(tool("search_logs"))
			.addFunctionTool(tool("verdict"))
			.toolChoice(ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice.builder()
				.function(ChatCompletionNamedToolChoice.Function.builder().name("verdict").build())
				.build()))
			.build());

		ChatCompletionMessageFunctionToolCall call = completion.choices().get(0).message().toolCalls().orElseThrow()
			.get(0).asFunction();
		assertThat(call.function().name()).isEqualTo("verdict");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.get("tool_choice").asString()).isEqualTo("auto");
		assertThat(sent.get("tools")).hasSize(1);
		assertThat(sent.at("/tools/0/function/name").asString()).isEqualTo("verdict");
	}

	@Test
	void aTwoTurnToolLoopOnThePlainModelGetsItsReasoningBack() throws Exception {
		ChatCompletionCreateParams.Builder turn = ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.addUserMessage("Read the notes")
			.addFunctionTool(tool("read_notes"));
		ChatCompletion first = client.chat().completions().create(turn.build());
		upstream.takeRequest();
		ChatCompletionMessageFunctionToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0)
			.asFunction();

		// The SDK rebuilds the assistant turn from its typed fields: reasoning_content is not among them.
		ChatCompletion second = client.chat().completions().create(turn
			.addMessage(first.choices().get(0).message())
			.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("buy milk").build())
			.build());

		assertThat(second.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		JsonNode assistant = body(upstream.takeRequest()).at("/messages/1");
		assertThat(assistant.get("reasoning_content").asString()).isEqualTo(String.join(" ", KimiAnswers.REASONING));
	}

	@Test
	void aTwoTurnToolLoopThroughTheResponsesApiOnThePlainModel() throws Exception {
		ResponseCreateParams.Builder turn = ResponseCreateParams.builder()
			.model("kimi-for-coding")
			.addTool(Tool.ofFunction(FunctionTool.builder()
				.name("read_notes")
				.parameters(FunctionTool.Parameters.builder()
					.putAdditionalProperty("type", JsonValue.from("object"))
					.putAdditionalProperty("properties", JsonValue.from(Map.of()))
					.build())
				.strict(false)
				.build()));
		Response first = client.responses().create(turn.input("Read the notes").build());
		upstream.takeRequest();
		ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
			.findFirst().orElseThrow().asFunctionCall();

		// What a client that keeps no reasoning items sends back: the call and its output only.
		List<ResponseInputItem> input = new ArrayList<>();
		input.add(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
			.role(ResponseInputItem.Message.Role.USER)
			.addInputTextContent("Read the notes")
			.build()));
		input.add(ResponseInputItem.ofFunctionCall(call));
		input.add(ResponseInputItem.ofFunctionCallOutput(
				ResponseInputItem.FunctionCallOutput.builder().callId(call.callId()).output("buy milk").build()));
		// streamed: Kimi's usage then sits inside the finishing chunk's choices[0]
		ResponseAccumulator accumulator = ResponseAccumulator.create();
		try (StreamResponse<ResponseStreamEvent> stream = client.responses()
			.createStreaming(turn.inputOfResponse(input).build())) {
			stream.stream().forEach(accumulator::accumulate);
		}
		Response second = accumulator.response();

		assertThat(second.output().stream().filter(ResponseOutputItem::isMessage).findFirst().orElseThrow()
			.asMessage().content().get(0).asOutputText().text()).isEqualTo("Hello from Kimi.");
		// the usage Kimi put inside the finishing choice, in Responses terms
		assertThat(second.usage().orElseThrow().outputTokens())
			.isEqualTo(KimiAnswers.REASONING.size() + KimiAnswers.ANSWER.size());
		assertThat(second.usage().orElseThrow().outputTokensDetails().reasoningTokens())
			.isEqualTo(KimiAnswers.REASONING.size());
		JsonNode assistant = body(upstream.takeRequest()).at("/messages/1");
		assertThat(assistant.get("reasoning_content").asString()).isEqualTo(String.join(" ", KimiAnswers.REASONING));
	}

	@Test
	void aShortMaxTokensIsAnsweredWithContent() throws Exception {
		double before = metric("kimicode2api_repairs_total{kind=\"max_tokens_headroom\",route=\"kimi-chat\"}");

		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding")
			.maxCompletionTokens(4)
			.addUserMessage("A title for this chat")
			.build());

		// Kimi spends the limit on reasoning first: 4 tokens would have left the answer empty.
		assertThat(completion.choices().get(0).message().content()).hasValue("Hello from Kimi.");
		assertThat(body(upstream.takeRequest()).get("max_completion_tokens").asLong()).isEqualTo(4 + 4096);
		assertThat(metric("kimicode2api_repairs_total{kind=\"max_tokens_headroom\",route=\"kimi-chat\"}") - before)
			.isEqualTo(1);
	}

	@Test
	void streamedUsageReachesTheSdkAndTheTokenCounters() throws Exception {
		String series = "kimicode2api_tokens_total{model=\"kimi-for-coding\",route=\"kimi-chat\",type=\"completion\"}";
		double before = metric(series);
		List<ChatCompletionChunk> chunks = new ArrayList<>();

		try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
				ChatCompletionCreateParams.builder()
					.model("kimi-for-coding")
					.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
					.addUserMessage("Say hello")
					.build())) {
			stream.stream().forEach(chunks::add);
		}

		// OpenAI's own form: a last chunk without choices that carries the usage.
		ChatCompletionChunk last = chunks.get(chunks.size() - 1);
		assertThat(last.choices()).isEmpty();
		CompletionUsage usage = last.usage().orElseThrow();
		int completionTokens = KimiAnswers.REASONING.size() + KimiAnswers.ANSWER.size();
		assertThat(usage.completionTokens()).isEqualTo(completionTokens);
		assertThat(usage.promptTokens()).isEqualTo(10);
		assertThat(metric(series) - before).isEqualTo(completionTokens);
	}

	@Test
	void withoutIncludeUsageTheStreamIsLeftAsKimiSentIt() throws Exception {
		List<ChatCompletionChunk> chunks = new ArrayList<>();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
				ChatCompletionCreateParams.builder().model("kimi-for-coding").addUserMessage("Say hello").build())) {
			stream.stream().forEach(chunks::add);
		}
		assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.choices()).isNotEmpty());
	}

	@Test
	void moreThanOneChoiceIsTheClientsErrorNamingN() {
		BadRequestException error = catchThrowableOfType(BadRequestException.class,
				() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
					.model("kimi-for-coding")
					.n(2)
					.addUserMessage("Say hello")
					.build()));

		assertThat(error.statusCode()).isEqualTo(400);
		assertThat(error.getMessage()).contains("'n'");
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void aDerivedThinkingModelTurnsThinkingOnForASwitchableModel() throws Exception {
		ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("k3-thinking")
			.addUserMessage("Say hello")
			.build());

		assertThat(completion.choices().get(0).message()._additionalProperties().get("reasoning_content"))
			.isEqualTo(JsonValue.from(String.join(" ", KimiAnswers.REASONING)));
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.get("model").asString()).isEqualTo("k3");
		assertThat(sent.at("/thinking/type").asString()).isEqualTo("enabled");

		ChatCompletion inline = client.chat().completions().create(ChatCompletionCreateParams.builder()
			.model("kimi-for-coding-highspeed-thinking-inline")
			.addUserMessage("Say hello")
			.build());
		assertThat(inline.choices().get(0).message().content())
			.hasValue("<think>" + String.join(" ", KimiAnswers.REASONING) + "</think>Hello from Kimi.");
		assertThat(body(upstream.takeRequest()).get("model").asString()).isEqualTo("kimi-for-coding-highspeed");
	}

	@Test
	void theModelListIsEachKeysOwnCatalogueFetchedOncePerKey() throws Exception {
		int fetches = upstream.catalogueRequests();
		String standard = key;
		String max = "sk-today-max-" + UUID.randomUUID();

		assertThat(k3Context(standard)).isEqualTo(262144);
		assertThat(k3Context(max)).isEqualTo(1048576);
		// The first key's list again: its own plan, from the cache, not the second key's.
		assertThat(k3Context(standard)).isEqualTo(262144);
		for (int i = 0; i < 20; i++) {
			assertThat(listFor(standard).statusCode()).isEqualTo(200);
		}
		assertThat(upstream.catalogueRequests() - fetches).isEqualTo(2);
	}

	@Test
	void theDeclaredModelsServeWhenTheCatalogueCannotBeRead() throws Exception {
		upstream.catalogue(FakeUpstream.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

		JsonNode list = JSON.readTree(listFor(key).body());

		JsonNode first = list.at("/data/0");
		assertThat(first.get("id").asString()).isEqualTo("kimi-for-coding");
		assertThat(first.get("display_name").asString()).isEqualTo("K2.8 Preview");
		// The catalogue's own fields (its video input, its creation date) are not there: this is the YAML's entry.
		assertThat(first.has("supports_video_in")).isFalse();
		assertThat(first.get("supports_thinking_type").asString()).isEqualTo("only");

		// A chat request does not wait for a catalogue that never answers.
		upstream.catalogue(FakeUpstream.stall());
		String stalled = "sk-today-stalled-" + UUID.randomUUID();
		HttpResponse<String> answer = postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"temperature\":0,"
				+ "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", "Bearer " + stalled);
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
	}

	@Test
	void theAnthropicRouteDropsThinkingOffAndTheTemperatureAThinkingModelRefuses() throws Exception {
		upstream.respond(FakeUpstream.json(200, """
				{"id":"msg_1","type":"message","role":"assistant","model":"kimi-for-coding","content":[{"type":"thinking",\
				"thinking":"Hmm.","signature":""},{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,\
				"usage":{"input_tokens":5,"output_tokens":3}}"""));
		AnthropicClient anthropic = AnthropicOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
		try {
			Message message = anthropic.messages().create(MessageCreateParams.builder()
				.model("kimi-for-coding")
				.maxTokens(1024)
				// SDK 3.14.0 has no temperature setter any more; clients that send one (older SDKs, raw HTTP) still exist
				.putAdditionalBodyProperty("temperature", com.anthropic.core.JsonValue.from(0))
				.thinking(ThinkingConfigDisabled.builder().build())
				.addUserMessage("Hi")
				.build());

			assertThat(message.content().get(1).asText().text()).isEqualTo("Hi");
		}
		finally {
			anthropic.close();
		}
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.has("thinking")).isFalse();
		assertThat(sent.has("temperature")).isFalse();
		assertThat(sent.get("max_tokens").asInt()).isEqualTo(1024);
	}

	private long k3Context(String apiKey) throws Exception {
		for (JsonNode model : JSON.readTree(listFor(apiKey).body()).get("data")) {
			if (model.get("id").asString().equals("k3")) {
				return model.get("context_length").asLong();
			}
		}
		throw new AssertionError("k3 is not listed");
	}

	private HttpResponse<String> listFor(String apiKey) throws Exception {
		return http.send(request("/v1/models").header("Authorization", "Bearer " + apiKey).GET().build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static FunctionDefinition tool(String name) {
		return FunctionDefinition.builder()
			.name(name)
			.parameters(FunctionParameters.builder()
				.putAdditionalProperty("type", JsonValue.from("object"))
				.putAdditionalProperty("properties", JsonValue.from(Map.of("ok", Map.of("type", "boolean"))))
				.build())
			.build();
	}

}
