package dev.kimicode2api.support;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.node.ObjectNode;

import static dev.kimicode2api.support.ChatWire.KIMI;

/**
 * What Kimi puts on the wire in an agent loop on the thinking model: an assistant turn with its
 * {@code reasoning_content} and tool calls (ids in Kimi's {@code functions.<name>:<n>} form), plain or streamed as
 * deltas, and a final text answer (built by {@link ChatWire}).
 */
public final class KimiWire {

	private static final String ID = "chatcmpl-kimi";

	private KimiWire() {
	}

	/** A non-streamed {@code chat.completion} whose message carries reasoning and one tool call. */
	public static String toolTurn(String reasoning, String callId, String name, String arguments) {
		ObjectNode message = ChatWire.assistantMessage("").put("reasoning_content", reasoning);
		ObjectNode call = message.putArray("tool_calls").addObject();
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function").put("name", name).put("arguments", arguments);
		return KIMI.completion(ID, message, "tool_calls", 30, 12);
	}

	/** A non-streamed text answer. */
	public static String answer(String text) {
		return KIMI.completion(ID, ChatWire.assistantMessage(text), "stop", 50, 5);
	}

	/**
	 * The same tool turn streamed as Kimi streams it: a role chunk, the reasoning in pieces, the call's first
	 * fragment (id, name, empty arguments), its arguments in pieces, the finish, a usage chunk and {@code [DONE]}.
	 */
	public static List<String> toolTurnStream(List<String> reasoningPieces, String callId, String name,
			List<String> argumentPieces) {
		List<String> events = new ArrayList<>();
		events.add(KIMI.chunk(ID, ChatWire.roleDelta(), null));
		for (String piece : reasoningPieces) {
			events.add(KIMI.chunk(ID, ChatWire.reasoningDelta(piece), null));
		}
		events.addAll(KIMI.toolCallChunks(ID, ChatWire.delta(), callId, name, argumentPieces));
		events.add(KIMI.usageChunk(ID, 30, 12));
		events.add(ChatWire.DONE);
		return events;
	}

	/** A text answer streamed in pieces. */
	public static List<String> answerStream(String... pieces) {
		return KIMI.textStream(ID, pieces);
	}

}
