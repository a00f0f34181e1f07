package dev.kimicode2api.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseIncludable;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseReasoningItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;

import static dev.kimicode2api.compat.OpenAiWire.assertForwardedChat;
import static dev.kimicode2api.compat.OpenAiWire.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official OpenAI Java SDK's {@code responses()} API against {@code /v1/responses}, in front of the fake Kimi
 * that serves chat completions only. Response validation is on, so every response and event must have the shape
 * the SDK expects; retries are off.
 */
class OpenAiResponsesSdkTest extends GatewayTest {

	static final Duration GAP = Duration.ofMillis(5);

	String key;

	OpenAIClient client;

	@BeforeEach
	void client() {
		key = "sk-responses-" + UUID.randomUUID();
		client = client(key);
	}

	OpenAIClient client(String apiKey) {
		return OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port + "/v1")
			.apiKey(apiKey)
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
	void plainTextWithInstructionsAndADeveloperMessage() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Bonjour.")));

		Response response = client.responses()
			.create(ResponseCreateParams.builder()
				.model("kimi-for-coding")
				.instructions("Answer in French.")
				.inputOfResponse(List.of(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
					.role(ResponseInputItem.Message.Role.DEVELOPER)
					.addInputTextContent("One word only.")
					.build()), ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
						.role(ResponseInputItem.Message.Role.USER)
						.addInputTextContent("Say hello")
						.build())))
				.build());

		assertThat(response.id()).startsWith("resp_");
		assertThat(response.status()).hasValue(com.openai.models.responses.ResponseStatus.COMPLETED);
		assertThat(response.output()).singleElement().satisfies(item -> assertThat(
				item.asMessage().content().get(0).asOutputText().text()).isEqualTo("Bonjour."));
		assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(55);
		Received received = upstream.takeRequest();
		assertForwardedChat(received, key);
		JsonNode messages = body(received).get("messages");
		assertThat(messages.get(0).get("role").asString()).isEqualTo("system");
		assertThat(messages.get(0).get("content").asString()).isEqualTo("Answer in French.");
		assertThat(messages.get(1).get("role").asString()).isEqualTo("system");
		assertThat(messages.get(1).get("content").asString()).isEqualTo("One word only.");
		assertThat(messages.get(2).get("content").asString()).isEqualTo("Say hello");
	}

	@Test
	void streamedTextArrivesIncrementally() throws Exception {
		CountDownLatch sawFirstDelta = new CountDownLatch(1);
		List<String> rest = new ArrayList<>(KimiWire.answerStream(" upon", " a time."));
		rest.remove(0); // the role chunk went first
		upstream.respond(FakeUpstream.sseGated(KimiWire.answerStream("Once").get(0) + "\n\n"
				+ KimiWire.answerStream("Once").get(1), sawFirstDelta, rest));

		List<String> deltas = new ArrayList<>();
		ResponseAccumulator accumulator = ResponseAccumulator.create();
		try (StreamResponse<ResponseStreamEvent> stream = client.responses()
			.createStreaming(ResponseCreateParams.builder().model("kimi-for-coding").input("Tell a story").build())) {
			stream.stream().forEach(event -> {
				accumulator.accumulate(event);
				event.outputTextDelta().ifPresent(delta -> {
					deltas.add(delta.delta());
					sawFirstDelta.countDown(); // the fake sends the rest only now
				});
			});
		}

		assertThat(deltas).containsExactly("Once", " upon", " a time.");
		Response response = accumulator.response();
		assertThat(response.output()).singleElement().satisfies(item -> assertThat(
				item.asMessage().content().get(0).asOutputText().text()).isEqualTo("Once upon a time."));
		assertThat(body(upstream.takeRequest()).get("stream").asBoolean()).isTrue();
	}

	@Test
	void theThinkingModelGivesAReasoningItem() throws Exception {
		upstream.respond(FakeUpstream.json(200, thinkingAnswer("Two plus two is four.", "4")));

		Response response = client.responses()
			.create(ResponseCreateParams.builder().model("kimi-for-coding-thinking").input("2+2?").build());

		assertThat(response.model().asString()).isEqualTo("kimi-for-coding-thinking");
		assertThat(response.output()).hasSize(2);
		ResponseReasoningItem reasoning = response.output().get(0).asReasoning();
		assertThat(reasoning.summary()).singleElement().satisfies(s -> assertThat(s.text()).isEqualTo("Two plus two is four."));
		assertThat(reasoning.content().orElseThrow()).singleElement()
			.satisfies(c -> assertThat(c.text()).isEqualTo("Two plus two is four."));
		assertThat(response.output().get(1).asMessage().content().get(0).asOutputText().text()).isEqualTo("4");
		JsonNode sent = body(upstream.takeRequest());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
	}

	@Test
	void aFunctionToolLoopSendsTheCallAndItsReasoningBack() throws Exception {
		String callId = "functions.get_weather:" + (int) (Math.random() * 1_000_000);
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("I need the weather tool.", callId, "get_weather", "{\"city\":\"Paris\"}")));
		ResponseCreateParams.Builder first = weatherTurn();
		Response response = client.responses().create(first.input("Weather in Paris?").build());
		upstream.takeRequest();

		ResponseFunctionToolCall call = response.output().get(1).asFunctionCall();
		assertThat(call.callId()).isEqualTo(callId);
		assertThat(call.name()).isEqualTo("get_weather");
		assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
		List<ResponseInputItem> input = new ArrayList<>();
		input.add(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
			.role(ResponseInputItem.Message.Role.USER)
			.addInputTextContent("Weather in Paris?")
			.build()));
		for (ResponseOutputItem item : response.output()) {
			input.add(item.isReasoning() ? ResponseInputItem.ofReasoning(item.asReasoning())
					: ResponseInputItem.ofFunctionCall(item.asFunctionCall()));
		}
		input.add(ResponseInputItem.ofFunctionCallOutput(
				ResponseInputItem.FunctionCallOutput.builder().callId(callId).output("sunny, 21 C").build()));
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Sunny in Paris.")));

		Response second = client.responses().create(weatherTurn().inputOfResponse(input).build());

		assertThat(second.output().get(0).asMessage().content().get(0).asOutputText().text())
			.isEqualTo("Sunny in Paris.");
		JsonNode messages = body(upstream.takeRequest()).get("messages");
		assertThat(messages.get(1).get("role").asString()).isEqualTo("assistant");
		assertThat(messages.get(1).get("reasoning_content").asString()).isEqualTo("I need the weather tool.");
		assertThat(messages.get(1).at("/tool_calls/0/id").asString()).isEqualTo(callId);
		assertThat(messages.get(1).at("/tool_calls/0/function/arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
		assertThat(messages.get(2).get("role").asString()).isEqualTo("tool");
		assertThat(messages.get(2).get("tool_call_id").asString()).isEqualTo(callId);
		assertThat(messages.get(2).get("content").asString()).isEqualTo("sunny, 21 C");
	}

	@Test
	void encryptedReasoningComesBackWithoutAStoreAndOnlyForItsOwnKey() throws Exception {
		String callId = "functions.get_weather:" + (int) (Math.random() * 1_000_000);
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("Sealed thoughts.", callId, "get_weather", "{\"city\":\"Oslo\"}")));
		Response response = client.responses()
			.create(weatherTurn().input("Weather in Oslo?").store(false).addInclude(ResponseIncludable.REASONING_ENCRYPTED_CONTENT)
				.build());
		upstream.takeRequest();
		ResponseReasoningItem reasoning = response.output().get(0).asReasoning();
		String sealed = reasoning.encryptedContent().orElseThrow();
		assertThat(sealed).doesNotContain("Sealed");

		// What Codex sends back: the reasoning item with only its encrypted_content, then the call and its output.
		List<ResponseInputItem> input = List.of(
				ResponseInputItem.ofReasoning(ResponseReasoningItem.builder().id(reasoning.id()).summary(List.of())
					.encryptedContent(sealed).build()),
				ResponseInputItem.ofFunctionCall(response.output().get(1).asFunctionCall()),
				ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
					.callId(callId).output("cold").build()));
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Cold.")));
		client.responses().create(weatherTurn().inputOfResponse(input).store(false).build());
		assertThat(body(upstream.takeRequest()).at("/messages/0/reasoning_content").asString())
			.isEqualTo("Sealed thoughts.");

		// Another key cannot open it: the turn gets the placeholder.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Cold.")));
		OpenAIClient other = client("sk-someone-else");
		try {
			other.responses().create(weatherTurn().inputOfResponse(input).store(false).build());
		}
		finally {
			other.close();
		}
		assertThat(body(upstream.takeRequest()).at("/messages/0/reasoning_content").asString())
			.isEqualTo("[reasoning unavailable]");
	}

	@Test
	void aStreamedFunctionCall() throws Exception {
		String callId = "functions.get_weather:" + (int) (Math.random() * 1_000_000);
		upstream.respond(FakeUpstream.sse(KimiWire.toolTurnStream(List.of("Weather needs ", "the tool."), callId,
				"get_weather", List.of("{\"ci", "ty\":\"Ro", "me\"}")), GAP));

		List<String> argumentDeltas = new ArrayList<>();
		ResponseAccumulator accumulator = ResponseAccumulator.create();
		try (StreamResponse<ResponseStreamEvent> stream = client.responses()
			.createStreaming(weatherTurn().model("kimi-for-coding-thinking").input("Weather in Rome?").build())) {
			stream.stream().forEach(event -> {
				accumulator.accumulate(event);
				event.functionCallArgumentsDelta().ifPresent(delta -> argumentDeltas.add(delta.delta()));
			});
		}

		assertThat(argumentDeltas).containsExactly("{\"ci", "ty\":\"Ro", "me\"}");
		Response response = accumulator.response();
		assertThat(response.output().get(0).asReasoning().summary().get(0).text()).isEqualTo("Weather needs the tool.");
		ResponseFunctionToolCall call = response.output().get(1).asFunctionCall();
		assertThat(call.callId()).isEqualTo(callId);
		assertThat(call.arguments()).isEqualTo("{\"city\":\"Rome\"}");
		assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(42);
	}

	@Test
	void previousResponseIdContinuesAStoredConversationAndGetReturnsIt() throws Exception {
		upstream.respond(FakeUpstream.json(200, thinkingAnswer("They said their name.", "Nice to meet you, Ada.")));
		Response first = client.responses()
			.create(ResponseCreateParams.builder().model("kimi-for-coding-thinking").input("I am Ada.").build());
		upstream.takeRequest();

		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Ada.")));
		Response second = client.responses()
			.create(ResponseCreateParams.builder()
				.model("kimi-for-coding")
				.previousResponseId(first.id())
				.input("What is my name?")
				.build());

		assertThat(second.previousResponseId()).hasValue(first.id());
		JsonNode messages = body(upstream.takeRequest()).get("messages");
		assertThat(messages).hasSize(3);
		assertThat(messages.get(0).get("content").asString()).isEqualTo("I am Ada.");
		assertThat(messages.get(1).get("role").asString()).isEqualTo("assistant");
		assertThat(messages.get(1).get("content").asString()).isEqualTo("Nice to meet you, Ada.");
		assertThat(messages.get(1).get("reasoning_content").asString()).isEqualTo("They said their name.");
		assertThat(messages.get(2).get("content").asString()).isEqualTo("What is my name?");

		Response retrieved = client.responses().retrieve(first.id());
		assertThat(retrieved.id()).isEqualTo(first.id());
		assertThat(retrieved.output()).hasSize(2);
		assertThat(upstream.requestCount()).as("retrieved from the store, not upstream").isZero();

		// Another key: the same 404 as an id that never existed, for previous_response_id and for GET.
		OpenAIClient other = client("sk-another-key");
		try {
			NotFoundException notFound = catchThrowableOfType(NotFoundException.class, () -> other.responses()
				.create(ResponseCreateParams.builder().model("kimi-for-coding").previousResponseId(first.id())
					.input("What is my name?").build()));
			assertThat(notFound.statusCode()).isEqualTo(404);
			assertThat(notFound.getMessage()).contains("Previous response with id '" + first.id() + "' not found.");
			assertThat(notFound.code()).hasValue("previous_response_not_found");
			assertThat(notFound.param()).hasValue("previous_response_id");
			assertThat(catchThrowableOfType(NotFoundException.class, () -> other.responses().retrieve(first.id()))
				.getMessage()).contains("Response with id '" + first.id() + "' not found.");
		}
		finally {
			other.close();
		}
		assertThat(upstream.requestCount()).isZero();

		// store: false keeps nothing.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		Response unstored = client.responses()
			.create(ResponseCreateParams.builder().model("kimi-for-coding").input("x").store(false).build());
		upstream.takeRequest();
		assertThat(catchThrowableOfType(NotFoundException.class, () -> client.responses().retrieve(unstored.id())))
			.isNotNull();
	}

	@Test
	void upstream429KeepsItsStatusMessageAndRetryAfter() {
		upstream.respond(FakeUpstream.json(429, OpenAiWire.RATE_LIMIT_BODY, "Retry-After", "7"));

		RateLimitException error = catchThrowableOfType(RateLimitException.class,
				() -> client.responses().create(ResponseCreateParams.builder().model("kimi-for-coding").input("x").build()));

		assertThat(error.statusCode()).isEqualTo(429);
		assertThat(error.getMessage()).contains(OpenAiWire.RATE_LIMIT_MESSAGE);
		assertThat(error.headers().values("Retry-After")).containsExactly("7");
	}

	@Test
	void aBrokenStreamEndsWithResponseFailed() {
		List<String> events = KimiWire.answerStream("Half an ", "answer");
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Flux.concat(Flux.fromIterable(events.subList(0, 3)).map(e -> e + "\n\n"),
					Mono.delay(Duration.ofMillis(200)).flatMap(tick -> {
						response.withConnection(connection -> connection.channel().close());
						return Mono.<String>never();
					})))
			.then());

		List<String> types = new ArrayList<>();
		List<ResponseStreamEvent> all = new ArrayList<>();
		try (StreamResponse<ResponseStreamEvent> stream = client.responses()
			.createStreaming(ResponseCreateParams.builder().model("kimi-for-coding").input("x").build())) {
			stream.stream().forEach(event -> {
				all.add(event);
				types.add(typeOf(event));
			});
		}

		assertThat(types).startsWith("response.created", "response.in_progress", "response.output_item.added",
				"response.content_part.added", "response.output_text.delta", "response.output_text.delta");
		assertThat(types).last().isEqualTo("response.failed");
		Response failed = all.get(all.size() - 1).asFailed().response();
		assertThat(failed.status()).hasValue(com.openai.models.responses.ResponseStatus.FAILED);
		assertThat(failed.error().orElseThrow().message()).startsWith("Upstream stream");
		assertThat(failed.output().get(0).asMessage().content().get(0).asOutputText().text()).isEqualTo("Half an answer");
	}

	/** The event types this test looks at, by the SDK's own parsing of them. */
	private static String typeOf(ResponseStreamEvent event) {
		return event.isCreated() ? "response.created" : event.isInProgress() ? "response.in_progress"
				: event.isOutputItemAdded() ? "response.output_item.added"
						: event.isContentPartAdded() ? "response.content_part.added"
								: event.isOutputTextDelta() ? "response.output_text.delta"
										: event.isFailed() ? "response.failed" : "other";
	}

	private static ResponseCreateParams.Builder weatherTurn() {
		return ResponseCreateParams.builder()
			.model("kimi-for-coding-thinking")
			.addTool(Tool.ofFunction(FunctionTool.builder()
				.name("get_weather")
				.description("Current weather in a city")
				.parameters(FunctionTool.Parameters.builder()
					.putAdditionalProperty("type", JsonValue.from("object"))
					.putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
					.putAdditionalProperty("required", JsonValue.from(List.of("city")))
					.build())
				.strict(false)
				.build()));
	}

	/** A chat.completion with reasoning and a text answer. */
	private static String thinkingAnswer(String reasoning, String text) {
		JsonNode answer = OpenAiWire.JSON.readTree(KimiWire.answer(text));
		((tools.jackson.databind.node.ObjectNode) answer.at("/choices/0/message")).put("reasoning_content", reasoning);
		return OpenAiWire.JSON.writeValueAsString(answer);
	}

}
