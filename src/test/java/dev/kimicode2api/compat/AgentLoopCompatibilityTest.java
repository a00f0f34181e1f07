package dev.kimicode2api.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;

import static dev.kimicode2api.compat.OpenAiWire.body;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A two-turn tool loop on {@code kimi-for-coding-thinking}, driven by real clients that rebuild their history from
 * {@code content} and {@code tool_calls} only, as they do: the OpenAI Java SDK and LangChain4j, the first turn plain
 * and streamed. Kimi (the fake upstream enforces its rule) takes the second turn only with the first turn's
 * reasoning in it, which the gateway remembered.
 */
class AgentLoopCompatibilityTest extends GatewayTest {

	static final String REASONING = "The user asks for the weather; I must call get_weather for Paris.";

	static final String ARGUMENTS = "{\"city\":\"Paris\"}";

	String key;

	String callId;

	OpenAIClient client;

	@BeforeEach
	void setUp() {
		key = "sk-agent-loop-" + UUID.randomUUID();
		callId = "functions.get_weather:" + (int) (Math.random() * 1_000_000);
		client = OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	@AfterEach
	void closeClient() {
		client.close();
	}

	@Test
	void openAiJavaSdkPlainFirstTurn() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.toolTurn(REASONING, callId, "get_weather", ARGUMENTS)));
		ChatCompletion first = client.chat().completions().create(openAiTurn().build());
		upstream.takeRequest();

		assertSecondOpenAiTurnCarriesTheReasoning(first.choices().get(0).message());
	}

	@Test
	void openAiJavaSdkStreamedFirstTurn() throws Exception {
		upstream.respond(FakeUpstream.sse(KimiWire.toolTurnStream(List.of("The user asks for the weather; ",
				"I must call get_weather for Paris."), callId, "get_weather", List.of("{\"city\"", ":\"Paris\"}")),
				Duration.ofMillis(5)));
		ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat()
			.completions()
			.createStreaming(openAiTurn().build())) {
			stream.stream().forEach(accumulator::accumulate);
		}
		upstream.takeRequest();

		assertSecondOpenAiTurnCarriesTheReasoning(accumulator.chatCompletion().choices().get(0).message());
	}

	private void assertSecondOpenAiTurnCarriesTheReasoning(ChatCompletionMessage assistant) throws Exception {
		List<ChatCompletionMessageToolCall> calls = assistant.toolCalls().orElseThrow();
		assertThat(calls).singleElement().satisfies(call -> assertThat(call.asFunction().id()).isEqualTo(callId));
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("It is sunny in Paris.")));

		// The history as an application rebuilds it: the assistant's tool calls, then the tool's result.
		ChatCompletion second = client.chat()
			.completions()
			.create(openAiTurn().addMessage(ChatCompletionAssistantMessageParam.builder().toolCalls(calls).build())
				.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(callId).content("sunny, 21 C").build())
				.build());

		assertThat(second.choices().get(0).message().content()).hasValue("It is sunny in Paris.");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.at("/messages/1/role").asString()).isEqualTo("assistant");
		assertThat(sent.at("/messages/1/reasoning_content").asString()).isEqualTo(REASONING);
		assertThat(sent.at("/messages/2/tool_call_id").asString()).isEqualTo(callId);
	}

	private ChatCompletionCreateParams.Builder openAiTurn() {
		return ChatCompletionCreateParams.builder()
			.model("kimi-for-coding-thinking")
			.addUserMessage("Weather in Paris?")
			.addFunctionTool(FunctionDefinition.builder()
				.name("get_weather")
				.description("Current weather in a city")
				.parameters(FunctionParameters.builder()
					.putAdditionalProperty("type", JsonValue.from("object"))
					.putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
					.putAdditionalProperty("required", JsonValue.from(List.of("city")))
					.build())
				.build());
	}

	@Test
	void langChain4jPlainFirstTurn() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.toolTurn(REASONING, callId, "get_weather", ARGUMENTS)));
		OpenAiChatModel model = OpenAiChatModel.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(key)
			.modelName("kimi-for-coding-thinking")
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
		ChatResponse first = model.chat(langChain4jTurn(List.of(UserMessage.from("Weather in Paris?"))));
		upstream.takeRequest();

		List<ToolExecutionRequest> calls = first.aiMessage().toolExecutionRequests();
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("It is sunny in Paris.")));
		ChatResponse second = model.chat(langChain4jTurn(List.of(UserMessage.from("Weather in Paris?"),
				AiMessage.from(calls), ToolExecutionResultMessage.from(calls.get(0), "sunny, 21 C"))));

		assertThat(second.aiMessage().text()).isEqualTo("It is sunny in Paris.");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.at("/messages/1/reasoning_content").asString()).isEqualTo(REASONING);
		assertThat(sent.at("/messages/1/tool_calls/0/id").asString()).isEqualTo(callId);
	}

	@Test
	void langChain4jStreamedFirstTurn() throws Exception {
		upstream.respond(FakeUpstream.sse(KimiWire.toolTurnStream(List.of("The user asks for the weather; ",
				"I must call get_weather for Paris."), callId, "get_weather", List.of("{\"city\"", ":\"Paris\"}")),
				Duration.ofMillis(5)));
		OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(key)
			.modelName("kimi-for-coding-thinking")
			.timeout(Duration.ofSeconds(30))
			.build();
		LangChain4jCompatibilityTest.Recorder first = new LangChain4jCompatibilityTest.Recorder();
		model.chat(langChain4jTurn(List.of(UserMessage.from("Weather in Paris?"))), first);
		List<ToolExecutionRequest> calls = first.await().aiMessage().toolExecutionRequests();
		upstream.takeRequest();

		upstream.respond(FakeUpstream.sse(KimiWire.answerStream("It is ", "sunny."), Duration.ofMillis(5)));
		LangChain4jCompatibilityTest.Recorder second = new LangChain4jCompatibilityTest.Recorder();
		model.chat(langChain4jTurn(List.of(UserMessage.from("Weather in Paris?"), AiMessage.from(calls),
				ToolExecutionResultMessage.from(calls.get(0), "sunny, 21 C"))), second);

		assertThat(second.await().aiMessage().text()).isEqualTo("It is sunny.");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.at("/messages/1/reasoning_content").asString()).isEqualTo(REASONING);
	}

	private static ChatRequest langChain4jTurn(List<dev.langchain4j.data.message.ChatMessage> messages) {
		return ChatRequest.builder()
			.messages(messages)
			.toolSpecifications(ToolSpecification.builder()
				.name("get_weather")
				.description("Current weather in a city")
				.parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build())
				.build())
			.build();
	}

}
