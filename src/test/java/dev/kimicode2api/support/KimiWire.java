package dev.kimicode2api.support;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What Kimi puts on the wire in an agent loop on the thinking model: an assistant turn with its
 * {@code reasoning_content} and tool calls (ids in Kimi's {@code functions.<name>:<n>} form), plain or streamed as
 * deltas, and a final text answer.
 */
public final class KimiWire {

	private static final ObjectMapper JSON = new ObjectMapper();

	private KimiWire() {
	}

	/** A non-streamed {@code chat.completion} whose message carries reasoning and one tool call. */
	public static String toolTurn(String reasoning, String callId, String name, String arguments) {
		ObjectNode root = root("chat.completion");
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		ObjectNode message = choice.putObject("message");
		message.put("role", "assistant");
		message.put("content", "");
		message.put("reasoning_content", reasoning);
		ObjectNode call = message.putArray("tool_calls").addObject();
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function").put("name", name).put("arguments", arguments);
		choice.put("finish_reason", "tool_calls");
		usage(root, 30, 12);
		return JSON.writeValueAsString(root);
	}

	/** A non-streamed text answer. */
	public static String answer(String text) {
		ObjectNode root = root("chat.completion");
		ObjectNode choice = root.putArray("choices").addObject();
		choice.put("index", 0);
		choice.putObject("message").put("role", "assistant").put("content", text);
		choice.put("finish_reason", "stop");
		usage(root, 50, 5);
		return JSON.writeValueAsString(root);
	}

	/**
	 * The same tool turn streamed as Kimi streams it: a role chunk, the reasoning in pieces, the call's first
	 * fragment (id, name, empty arguments), its arguments in pieces, the finish, a usage chunk and {@code [DONE]}.
	 */
	public static List<String> toolTurnStream(List<String> reasoningPieces, String callId, String name,
			List<String> argumentPieces) {
		List<String> events = new ArrayList<>();
		events.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
		for (String piece : reasoningPieces) {
			events.add(chunk(JSON.createObjectNode().put("reasoning_content", piece), null));
		}
		ObjectNode first = JSON.createObjectNode();
		ObjectNode call = first.putArray("tool_calls").addObject();
		call.put("index", 0);
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function").put("name", name).put("arguments", "");
		events.add(chunk(first, null));
		for (String piece : argumentPieces) {
			ObjectNode delta = JSON.createObjectNode();
			delta.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", piece);
			events.add(chunk(delta, null));
		}
		events.add(chunk(JSON.createObjectNode(), "tool_calls"));
		ObjectNode usage = root("chat.completion.chunk");
		usage.putArray("choices");
		usage(usage, 30, 12);
		events.add("data: " + JSON.writeValueAsString(usage));
		events.add("data: [DONE]");
		return events;
	}

	/** A text answer streamed in pieces. */
	public static List<String> answerStream(String... pieces) {
		List<String> events = new ArrayList<>();
		events.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
		for (String piece : pieces) {
			events.add(chunk(JSON.createObjectNode().put("content", piece), null));
		}
		events.add(chunk(JSON.createObjectNode(), "stop"));
		events.add("data: [DONE]");
		return events;
	}

	private static String chunk(ObjectNode delta, String finishReason) {
		ObjectNode root = root("chat.completion.chunk");
		ObjectNode choice = ((ArrayNode) root.putArray("choices")).addObject();
		choice.put("index", 0);
		choice.set("delta", delta);
		if (finishReason == null) {
			choice.putNull("finish_reason");
		}
		else {
			choice.put("finish_reason", finishReason);
		}
		return "data: " + JSON.writeValueAsString(root);
	}

	private static ObjectNode root(String object) {
		ObjectNode root = JSON.createObjectNode();
		root.put("id", "chatcmpl-kimi");
		root.put("object", object);
		root.put("created", 1764190000L);
		root.put("model", "kimi-for-coding");
		return root;
	}

	private static void usage(ObjectNode root, int prompt, int completion) {
		root.putObject("usage")
			.put("prompt_tokens", prompt)
			.put("completion_tokens", completion)
			.put("total_tokens", prompt + completion);
	}

}
