package dev.kimicode2api.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.support.FakeUpstream.Received;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a real OpenAI-compatible upstream puts on the wire: {@code chat.completion} objects, {@code
 * chat.completion.chunk} SSE events, the final usage chunk, OpenAI error bodies. The compatibility tests feed these
 * to the fake upstream so the clients parse the shapes they meet in production, and check what the upstream got.
 */
final class OpenAiWire {

	static final ObjectMapper JSON = new ObjectMapper();

	/** What the fake upstream answers as {@code model}: the gateway sends the real model upstream. */
	static final String UPSTREAM_MODEL = "kimi-for-coding";

	static final long CREATED = 1764190000L;

	static final String DONE = "data: [DONE]";

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
		ObjectNode root = JSON.createObjectNode();
		root.put("id", id);
		root.put("object", "chat.completion");
		root.put("created", CREATED);
		root.put("model", UPSTREAM_MODEL);
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		choice.set("message", message);
		choice.putNull("logprobs");
		choice.put("finish_reason", finishReason);
		root.set("usage", usage(promptTokens, completionTokens));
		root.putNull("system_fingerprint");
		return JSON.writeValueAsString(root);
	}

	static ObjectNode assistantMessage(String content) {
		ObjectNode message = JSON.createObjectNode();
		message.put("role", "assistant");
		message.put("content", content);
		return message;
	}

	/** One {@code chat.completion.chunk} event ({@code data: …}) for choice 0; {@code finishReason} may be null. */
	static String chunk(String id, ObjectNode delta, String finishReason) {
		ObjectNode root = chunkRoot(id);
		ObjectNode choice = ((ArrayNode) root.get("choices")).addObject();
		choice.put("index", 0);
		choice.set("delta", delta);
		choice.putNull("logprobs");
		if (finishReason == null) {
			choice.putNull("finish_reason");
		}
		else {
			choice.put("finish_reason", finishReason);
		}
		return "data: " + JSON.writeValueAsString(root);
	}

	/** The last chunk when {@code stream_options.include_usage} is set: no choices, only usage. */
	static String usageChunk(String id, int promptTokens, int completionTokens) {
		ObjectNode root = chunkRoot(id);
		root.set("usage", usage(promptTokens, completionTokens));
		return "data: " + JSON.writeValueAsString(root);
	}

	static ObjectNode delta() {
		return JSON.createObjectNode();
	}

	static ObjectNode roleDelta() {
		ObjectNode delta = JSON.createObjectNode();
		delta.put("role", "assistant");
		delta.put("content", "");
		return delta;
	}

	static ObjectNode contentDelta(String content) {
		return JSON.createObjectNode().put("content", content);
	}

	static ObjectNode reasoningDelta(String reasoning) {
		return JSON.createObjectNode().put("reasoning_content", reasoning);
	}

	/** A streamed text answer: role chunk, one chunk per piece, a {@code stop} chunk, {@code [DONE]}. */
	static List<String> textStream(String id, String... pieces) {
		List<String> events = new ArrayList<>();
		events.add(chunk(id, roleDelta(), null));
		for (String piece : pieces) {
			events.add(chunk(id, contentDelta(piece), null));
		}
		events.add(chunk(id, delta(), "stop"));
		events.add(DONE);
		return events;
	}

	/**
	 * A streamed tool call as OpenAI sends it: the first fragment carries index, id, type and name with empty
	 * arguments, the following ones only index and a piece of the arguments.
	 */
	static List<String> toolCallStream(String id, String callId, String name, String... argumentPieces) {
		List<String> events = new ArrayList<>();
		ObjectNode first = JSON.createObjectNode();
		first.put("role", "assistant");
		first.putNull("content");
		ObjectNode call = first.putArray("tool_calls").addObject();
		call.put("index", 0);
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function").put("name", name).put("arguments", "");
		events.add(chunk(id, first, null));
		for (String piece : argumentPieces) {
			ObjectNode delta = JSON.createObjectNode();
			ObjectNode fragment = delta.putArray("tool_calls").addObject();
			fragment.put("index", 0);
			fragment.putObject("function").put("arguments", piece);
			events.add(chunk(id, delta, null));
		}
		events.add(chunk(id, delta(), "tool_calls"));
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

	private static ObjectNode chunkRoot(String id) {
		ObjectNode root = JSON.createObjectNode();
		root.put("id", id);
		root.put("object", "chat.completion.chunk");
		root.put("created", CREATED);
		root.put("model", UPSTREAM_MODEL);
		root.putNull("system_fingerprint");
		root.putArray("choices");
		return root;
	}

	private static ObjectNode usage(int promptTokens, int completionTokens) {
		ObjectNode usage = JSON.createObjectNode();
		usage.put("prompt_tokens", promptTokens);
		usage.put("completion_tokens", completionTokens);
		usage.put("total_tokens", promptTokens + completionTokens);
		return usage;
	}

}
