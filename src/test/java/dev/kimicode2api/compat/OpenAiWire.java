package dev.kimicode2api.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.support.ChatWire;
import dev.kimicode2api.support.FakeUpstream.Received;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a real OpenAI-compatible upstream puts on the wire ({@link ChatWire#OPENAI}'s shape), and its error bodies. The
 * compatibility tests feed these to the fake upstream so the clients parse the shapes they meet in production, and
 * check what the upstream got.
 */
final class OpenAiWire {

	static final ObjectMapper JSON = ChatWire.JSON;

	static final String DONE = ChatWire.DONE;

	static final String INVALID_KEY_BODY = """
			{"error":{"message":"Invalid API key","type":"invalid_request_error"}}""";

	static final String RATE_LIMIT_MESSAGE = "Rate limit reached for kimi-for-coding: 60 requests per minute, retry after 7s";

	static final String RATE_LIMIT_BODY = "{\"error\":{\"message\":\"" + RATE_LIMIT_MESSAGE
			+ "\",\"type\":\"rate_limit_error\"}}";

	private static final AtomicInteger IDS = new AtomicInteger();

	private OpenAiWire() {
	}

	static String newId() {
		return "chatcmpl-compat" + IDS.incrementAndGet();
	}

	/** A non-streamed {@code chat.completion} with one choice. */
	static String completion(String id, ObjectNode message, String finishReason, int promptTokens,
			int completionTokens) {
		return ChatWire.OPENAI.completion(id, message, finishReason, promptTokens, completionTokens);
	}

	static ObjectNode assistantMessage(String content) {
		return ChatWire.assistantMessage(content);
	}

	/** One {@code chat.completion.chunk} event ({@code data: …}) for choice 0; {@code finishReason} may be null. */
	static String chunk(String id, ObjectNode delta, String finishReason) {
		return ChatWire.OPENAI.chunk(id, delta, finishReason);
	}

	/** The last chunk when {@code stream_options.include_usage} is set: no choices, only usage. */
	static String usageChunk(String id, int promptTokens, int completionTokens) {
		return ChatWire.OPENAI.usageChunk(id, promptTokens, completionTokens);
	}

	static ObjectNode delta() {
		return ChatWire.delta();
	}

	static ObjectNode roleDelta() {
		return ChatWire.roleDelta();
	}

	static ObjectNode contentDelta(String content) {
		return ChatWire.contentDelta(content);
	}

	static ObjectNode reasoningDelta(String reasoning) {
		return ChatWire.reasoningDelta(reasoning);
	}

	/** A streamed text answer: role chunk, one chunk per piece, a {@code stop} chunk, {@code [DONE]}. */
	static List<String> textStream(String id, String... pieces) {
		return ChatWire.OPENAI.textStream(id, pieces);
	}

	/** A streamed tool call as OpenAI sends it, its first fragment with the role and a null content. */
	static List<String> toolCallStream(String id, String callId, String name, String... argumentPieces) {
		ObjectNode first = JSON.createObjectNode().put("role", "assistant").putNull("content");
		List<String> events = new ArrayList<>(ChatWire.OPENAI.toolCallChunks(id, first, callId, name, List.of(argumentPieces)));
		events.add(DONE);
		return events;
	}

	static JsonNode body(Received received) {
		return JSON.readTree(received.body());
	}

	/** The gateway's part of every forwarded chat request. */
	static void assertForwardedChat(Received received, String apiKey) {
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri()).endsWith("/v1/chat/completions").isEqualTo("/deep/coding/v1/chat/completions");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer " + apiKey);
	}

}
