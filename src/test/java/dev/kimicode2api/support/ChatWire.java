package dev.kimicode2api.support;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chat completions as an upstream puts them on the wire, for the fake upstream to send: {@code chat.completion}
 * objects, {@code chat.completion.chunk} events ({@code data: …}), the final usage chunk. The one builder behind
 * {@link KimiWire} (Kimi's agent turns) and the compatibility tests' {@code OpenAiWire}: OpenAI's own objects also
 * carry a null {@code logprobs} on each choice and a null {@code system_fingerprint}, Kimi's do not.
 */
public final class ChatWire {

	public static final ObjectMapper JSON = new ObjectMapper();

	/** What the fake upstream answers as {@code model}: the gateway sends the real model upstream. */
	public static final String MODEL = "kimi-for-coding";

	public static final long CREATED = 1764190000L;

	public static final String DONE = "data: [DONE]";

	/** Kimi's shape. */
	public static final ChatWire KIMI = new ChatWire(false);

	/** OpenAI's shape: null {@code logprobs} and {@code system_fingerprint} as OpenAI sends them. */
	public static final ChatWire OPENAI = new ChatWire(true);

	private final boolean openAiNulls;

	private ChatWire(boolean openAiNulls) {
		this.openAiNulls = openAiNulls;
	}

	/** A non-streamed {@code chat.completion} with one choice. */
	public String completion(String id, ObjectNode message, String finishReason, int promptTokens, int completionTokens) {
		ObjectNode root = root(id, "chat.completion");
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		choice.set("message", message);
		if (openAiNulls) {
			choice.putNull("logprobs");
		}
		choice.put("finish_reason", finishReason);
		root.set("usage", usage(promptTokens, completionTokens));
		if (openAiNulls) {
			root.putNull("system_fingerprint");
		}
		return JSON.writeValueAsString(root);
	}

	/** One {@code chat.completion.chunk} event ({@code data: …}) for choice 0; {@code finishReason} may be null. */
	public String chunk(String id, ObjectNode delta, String finishReason) {
		ObjectNode root = chunkRoot(id);
		ObjectNode choice = ((ArrayNode) root.get("choices")).addObject();
		choice.put("index", 0);
		choice.set("delta", delta);
		if (openAiNulls) {
			choice.putNull("logprobs");
		}
		if (finishReason == null) {
			choice.putNull("finish_reason");
		}
		else {
			choice.put("finish_reason", finishReason);
		}
		return "data: " + JSON.writeValueAsString(root);
	}

	/** The last chunk when {@code stream_options.include_usage} is set: no choices, only usage. */
	public String usageChunk(String id, int promptTokens, int completionTokens) {
		ObjectNode root = chunkRoot(id);
		root.set("usage", usage(promptTokens, completionTokens));
		return "data: " + JSON.writeValueAsString(root);
	}

	/** A streamed text answer: role chunk, one chunk per piece, a {@code stop} chunk, {@code [DONE]}. */
	public List<String> textStream(String id, String... pieces) {
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
	 * A streamed tool call's chunks as OpenAI and Kimi send them: the first fragment carries index, id, type and name
	 * with empty arguments, the following ones only index and a piece of the arguments; then the finish.
	 */
	public List<String> toolCallChunks(String id, ObjectNode first, String callId, String name, List<String> argumentPieces) {
		List<String> events = new ArrayList<>();
		ObjectNode call = first.putArray("tool_calls").addObject();
		call.put("index", 0);
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function").put("name", name).put("arguments", "");
		events.add(chunk(id, first, null));
		for (String piece : argumentPieces) {
			ObjectNode delta = delta();
			delta.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", piece);
			events.add(chunk(id, delta, null));
		}
		events.add(chunk(id, delta(), "tool_calls"));
		return events;
	}

	public static ObjectNode assistantMessage(String content) {
		return JSON.createObjectNode().put("role", "assistant").put("content", content);
	}

	public static ObjectNode delta() {
		return JSON.createObjectNode();
	}

	public static ObjectNode roleDelta() {
		return JSON.createObjectNode().put("role", "assistant").put("content", "");
	}

	public static ObjectNode contentDelta(String content) {
		return JSON.createObjectNode().put("content", content);
	}

	public static ObjectNode reasoningDelta(String reasoning) {
		return JSON.createObjectNode().put("reasoning_content", reasoning);
	}

	private ObjectNode chunkRoot(String id) {
		ObjectNode root = root(id, "chat.completion.chunk");
		if (openAiNulls) {
			root.putNull("system_fingerprint");
		}
		root.putArray("choices");
		return root;
	}

	private static ObjectNode root(String id, String object) {
		ObjectNode root = JSON.createObjectNode();
		root.put("id", id);
		root.put("object", object);
		root.put("created", CREATED);
		root.put("model", MODEL);
		return root;
	}

	private static ObjectNode usage(int promptTokens, int completionTokens) {
		return JSON.createObjectNode()
			.put("prompt_tokens", promptTokens)
			.put("completion_tokens", completionTokens)
			.put("total_tokens", promptTokens + completionTokens);
	}

}
