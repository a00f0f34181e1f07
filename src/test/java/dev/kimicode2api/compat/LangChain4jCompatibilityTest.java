package dev.kimicode2api.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.catalog.ModelDescription;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiModelCatalog;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
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
 * LangChain4j's OpenAI integration ({@code dev.langchain4j:langchain4j-open-ai}: {@link OpenAiChatModel},
 * {@link OpenAiStreamingChatModel}, {@link OpenAiModelCatalog}, on its default JDK HTTP client), pointed at the
 * running gateway with nothing but its base URL changed. Retries are off so an error is the first answer's.
 */
class LangChain4jCompatibilityTest extends GatewayTest {

	static final String KEY = "sk-kimi-langchain4j";

	static final Duration GAP = Duration.ofMillis(15);

	String baseUrl() {
		return "http://127.0.0.1:" + port + "/v1";
	}

	OpenAiChatModel chatModel(String model) {
		return OpenAiChatModel.builder()
			.baseUrl(baseUrl())
			.apiKey(KEY)
			.modelName(model)
			.returnThinking(true)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	OpenAiStreamingChatModel streamingModel(String model) {
		return OpenAiStreamingChatModel.builder()
			.baseUrl(baseUrl())
			.apiKey(KEY)
			.modelName(model)
			.returnThinking(true)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	@Test
	void listsModelsThroughTheModelCatalog() {
		List<ModelDescription> models = OpenAiModelCatalog.builder()
			.baseUrl(baseUrl())
			.apiKey(KEY)
			.build()
			.listModels();

		assertThat(models).extracting(ModelDescription::name).containsExactly("kimi-for-coding", "kimi-for-coding-highspeed", "k3-256k", "k3",
					"kimi-for-coding-thinking", "kimi-for-coding-thinking-inline", "kimi-for-coding-highspeed-thinking-inline",
					"k3-256k-thinking", "k3-256k-thinking-inline", "k3-thinking", "k3-thinking-inline");
		assertThat(models).allSatisfy(model -> {
			assertThat(model.owner()).isEqualTo("moonshotai");
			assertThat(model.createdAt()).isNotNull();
		});
		assertThat(upstream.requestCount()).as("no chat request reached the upstream").isZero();
	}

	@Test
	void plainCompletion() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.json(200,
				OpenAiWire.completion(id, OpenAiWire.assistantMessage("Hello from Kimi!"), "stop", 9, 4)));

		ChatResponse response = chatModel("kimi-for-coding").chat(ChatRequest.builder()
			.messages(SystemMessage.from("You are terse."), UserMessage.from("Say hello"))
			.build());

		assertThat(response.aiMessage().text()).isEqualTo("Hello from Kimi!");
		assertThat(response.id()).isEqualTo(id);
		assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
		assertThat(response.tokenUsage().totalTokenCount()).isEqualTo(13);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("messages").get(1).get("content").asString()).isEqualTo("Say hello");
		assertThat(sent.has("thinking")).isFalse();
	}

	@Test
	void streamReadToTheEnd() throws Exception {
		upstream.respond(
				FakeUpstream.sse(OpenAiWire.textStream(OpenAiWire.newId(), "Once ", "upon ", "a ", "time", "."), GAP));

		Recorder recorder = new Recorder();
		streamingModel("kimi-for-coding").chat("Tell a story", recorder);
		ChatResponse response = recorder.await();

		assertThat(recorder.partials).containsExactly("Once ", "upon ", "a ", "time", ".");
		assertThat(response.aiMessage().text()).isEqualTo("Once upon a time.");
		assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		assertThat(body(received).get("stream").asBoolean()).isTrue();
	}

	@Test
	void thinkingModelNonStreamedReturnsThinking() throws Exception {
		var message = OpenAiWire.assistantMessage("42.");
		message.put("reasoning_content", "The user wants the answer. It is 42.");
		upstream.respond(FakeUpstream.json(200, OpenAiWire.completion(OpenAiWire.newId(), message, "stop", 5, 12)));

		AiMessage answer = chatModel("kimi-for-coding-thinking")
			.chat(ChatRequest.builder().messages(UserMessage.from("What is the answer?")).build())
			.aiMessage();

		assertThat(answer.text()).isEqualTo("42.");
		assertThat(answer.thinking()).isEqualTo("The user wants the answer. It is 42.");

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
	}

	@Test
	void thinkingModelStreamedReturnsThinking() throws Exception {
		String id = OpenAiWire.newId();
		upstream.respond(FakeUpstream.sse(List.of(OpenAiWire.chunk(id, OpenAiWire.roleDelta(), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("Let me "), null),
				OpenAiWire.chunk(id, OpenAiWire.reasoningDelta("think."), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta("Done"), null),
				OpenAiWire.chunk(id, OpenAiWire.contentDelta(" thinking."), null),
				OpenAiWire.chunk(id, OpenAiWire.delta(), "stop"), OpenAiWire.DONE), GAP));

		Recorder recorder = new Recorder();
		streamingModel("kimi-for-coding-thinking").chat("Think first", recorder);
		ChatResponse response = recorder.await();

		assertThat(recorder.thinking).containsExactly("Let me ", "think.");
		assertThat(response.aiMessage().thinking()).isEqualTo("Let me think.");
		assertThat(response.aiMessage().text()).isEqualTo("Done thinking.");

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode sent = body(received);
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
		assertThat(sent.get("stream").asBoolean()).isTrue();
	}

	@Test
	void streamedToolCallIsAssembledFromFragments() throws Exception {
		upstream.respond(FakeUpstream.sse(OpenAiWire.toolCallStream(OpenAiWire.newId(), "call_7Qx2", "get_weather",
				"{\"ci", "ty\": \"Par", "is\", \"unit\"", ": \"celsius\"}"), GAP));

		Recorder recorder = new Recorder();
		streamingModel("kimi-for-coding").chat(ChatRequest.builder()
			.messages(UserMessage.from("Weather in Paris?"))
			.toolSpecifications(ToolSpecification.builder()
				.name("get_weather")
				.description("Current weather in a city")
				.parameters(JsonObjectSchema.builder()
					.addStringProperty("city")
					.addStringProperty("unit")
					.required("city")
					.build())
				.build())
			.build(), recorder);
		ChatResponse response = recorder.await();

		String arguments = "{\"city\": \"Paris\", \"unit\": \"celsius\"}";
		assertThat(recorder.partialToolCalls).extracting(PartialToolCall::partialArguments)
			.containsExactly("{\"ci", "ty\": \"Par", "is\", \"unit\"", ": \"celsius\"}");
		assertThat(recorder.completeToolCalls).singleElement()
			.extracting(CompleteToolCall::toolExecutionRequest)
			.satisfies(call -> assertToolCall(call, arguments));
		assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
		assertThat(response.aiMessage().toolExecutionRequests()).singleElement()
			.satisfies(call -> assertToolCall(call, arguments));

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		JsonNode tool = body(received).get("tools").get(0);
		assertThat(tool.get("type").asString()).isEqualTo("function");
		assertThat(tool.get("function").get("name").asString()).isEqualTo("get_weather");
	}

	@Test
	void finalUsageChunkIsSeen() throws Exception {
		String id = OpenAiWire.newId();
		List<String> events = new ArrayList<>(OpenAiWire.textStream(id, "Two ", "words"));
		events.add(events.size() - 1, OpenAiWire.usageChunk(id, 21, 3));
		upstream.respond(FakeUpstream.sse(events, GAP));

		Recorder recorder = new Recorder();
		streamingModel("kimi-for-coding").chat("Two words", recorder);
		ChatResponse response = recorder.await();

		assertThat(response.aiMessage().text()).isEqualTo("Two words");
		TokenUsage usage = response.tokenUsage();
		assertThat(usage).isNotNull();
		assertThat(usage.inputTokenCount()).isEqualTo(21);
		assertThat(usage.outputTokenCount()).isEqualTo(3);
		assertThat(usage.totalTokenCount()).isEqualTo(24);

		Received received = upstream.takeRequest();
		assertForwardedChat(received, KEY);
		// LangChain4j always asks for the usage chunk when streaming.
		assertThat(body(received).get("stream_options").get("include_usage").asBoolean()).isTrue();
	}

	@Test
	void upstream401IsAuthenticationException() throws Exception {
		upstream.respond(FakeUpstream.json(401, OpenAiWire.INVALID_KEY_BODY));

		AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
				() -> chatModel("kimi-for-coding").chat("Hi"));

		assertThat(e).isNotNull();
		// LangChain4j hands over the upstream's error body as the message, untouched.
		assertThat(e.getMessage()).isEqualTo(OpenAiWire.INVALID_KEY_BODY);
		assertThat(e.getCause()).isInstanceOfSatisfying(HttpException.class,
				http -> assertThat(http.statusCode()).isEqualTo(401));
		assertForwardedChat(upstream.takeRequest(), KEY);
	}

	@Test
	void upstream429IsRateLimitException() throws Exception {
		upstream.respond(FakeUpstream.json(429, OpenAiWire.RATE_LIMIT_BODY, "Retry-After", "7"));

		RateLimitException e = catchThrowableOfType(RateLimitException.class,
				() -> chatModel("kimi-for-coding").chat("Hi"));

		assertThat(e).isNotNull();
		assertThat(e.getMessage()).isEqualTo(OpenAiWire.RATE_LIMIT_BODY);
		assertThat(e.getCause()).isInstanceOfSatisfying(HttpException.class,
				http -> assertThat(http.statusCode()).isEqualTo(429));
		assertForwardedChat(upstream.takeRequest(), KEY);
		assertThat(upstream.pollRequest(Duration.ofMillis(300))).as("maxRetries(0): no second attempt").isNull();
	}

	@Test
	void upstream429OnAStreamReachesOnError() throws Exception {
		upstream.respond(FakeUpstream.json(429, OpenAiWire.RATE_LIMIT_BODY, "Retry-After", "7"));

		Recorder recorder = new Recorder();
		streamingModel("kimi-for-coding").chat("Hi", recorder);

		Throwable error = recorder.awaitError();
		assertThat(error).isInstanceOf(RateLimitException.class);
		assertThat(error.getMessage()).isEqualTo(OpenAiWire.RATE_LIMIT_BODY);
		assertThat(recorder.partials).isEmpty();
		assertForwardedChat(upstream.takeRequest(), KEY);
	}

	private static void assertToolCall(ToolExecutionRequest call, String arguments) {
		assertThat(call.id()).isEqualTo("call_7Qx2");
		assertThat(call.name()).isEqualTo("get_weather");
		assertThat(call.arguments()).isEqualTo(arguments);
	}

	/** Records every callback of one streamed chat. */
	static final class Recorder implements StreamingChatResponseHandler {

		final List<String> partials = new CopyOnWriteArrayList<>();

		final List<String> thinking = new CopyOnWriteArrayList<>();

		final List<PartialToolCall> partialToolCalls = new CopyOnWriteArrayList<>();

		final List<CompleteToolCall> completeToolCalls = new CopyOnWriteArrayList<>();

		final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

		@Override
		public void onPartialResponse(String partialResponse) {
			partials.add(partialResponse);
		}

		@Override
		public void onPartialThinking(PartialThinking partialThinking) {
			thinking.add(partialThinking.text());
		}

		@Override
		public void onPartialToolCall(PartialToolCall partialToolCall) {
			partialToolCalls.add(partialToolCall);
		}

		@Override
		public void onCompleteToolCall(CompleteToolCall completeToolCall) {
			completeToolCalls.add(completeToolCall);
		}

		@Override
		public void onCompleteResponse(ChatResponse completeResponse) {
			done.complete(completeResponse);
		}

		@Override
		public void onError(Throwable error) {
			done.completeExceptionally(error);
		}

		ChatResponse await() throws Exception {
			return done.get(30, TimeUnit.SECONDS);
		}

		Throwable awaitError() throws InterruptedException {
			try {
				ChatResponse response = done.get(30, TimeUnit.SECONDS);
				throw new AssertionError("expected an error, the stream completed with " + response);
			}
			catch (java.util.concurrent.ExecutionException e) {
				return e.getCause();
			}
			catch (java.util.concurrent.TimeoutException e) {
				throw new AssertionError("neither onCompleteResponse nor onError within 30 s");
			}
		}

	}

}
