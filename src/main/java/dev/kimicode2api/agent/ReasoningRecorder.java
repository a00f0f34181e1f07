package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.SseEvent;

/**
 * Assembles, from a chat completion as it passes, each choice's {@code reasoning_content} and the tool calls it came
 * with: a plain {@code chat.completion} at once, a stream from its deltas (reasoning pieces, call fragments that
 * carry the id and name first and the arguments in pieces). Only events that mention reasoning, tool calls or a
 * finish are read; nothing is held back.
 */
final class ReasoningRecorder {

	private static final byte[] REASONING = "reasoning_content".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] TOOL_CALLS = "tool_calls".getBytes(StandardCharsets.US_ASCII);

	/** A finish reason that is not null: {@code "finish_reason":"}. */
	private static final byte[] FINISH = "\"finish_reason\":\"".getBytes(StandardCharsets.US_ASCII);

	private static final class Turn {

		final StringBuilder reasoning = new StringBuilder();

		final Map<Integer, String[]> calls = new TreeMap<>(); // call index -> {id, name, arguments}

	}

	private final Map<Integer, Turn> turns = new TreeMap<>();

	/** Whether a choice said how it finished (its turn is whole). */
	private boolean finished;

	/** Events of a streamed answer, as they pass. */
	void accept(List<SseEvent> events) {
		for (SseEvent event : events) {
			if (event.mentions(REASONING) || event.mentions(TOOL_CALLS) || event.mentions(FINISH)) {
				ChatChunk chunk = event.chunk();
				if (chunk != null) {
					acceptChunk(chunk);
				}
			}
		}
	}

	private void acceptChunk(ChatChunk chunk) {
		for (ChatChunk.Choice choice : chunk.choices()) {
			finished |= choice.finishReason() != null;
			Turn turn = turns.computeIfAbsent(choice.index(), i -> new Turn());
			ChatChunk.Delta delta = choice.delta();
			if (delta == null) {
				continue;
			}
			if (delta.reasoningContent() != null) {
				turn.reasoning.append(delta.reasoningContent());
			}
			for (ChatChunk.ToolCallDelta fragment : delta.toolCalls()) {
				String[] call = turn.calls.computeIfAbsent(fragment.index() != null ? fragment.index() : turn.calls.size(),
						i -> new String[] { "", "", "" });
				if (fragment.id() != null) {
					call[0] = fragment.id();
				}
				if (fragment.name() != null) {
					call[1] += fragment.name();
				}
				if (fragment.arguments() != null) {
					call[2] += fragment.arguments();
				}
			}
		}
	}

	/** A whole non-streamed answer, as its first reader read it. */
	void acceptCompletion(ChatChunk completion) {
		for (ChatChunk.Choice choice : completion.choices()) {
			ChatChunk.Delta message = choice.message();
			if (message == null || message.reasoningContent() == null || message.toolCalls().isEmpty()) {
				continue; // nothing to remember
			}
			Turn turn = turns.computeIfAbsent(choice.index(), i -> new Turn());
			turn.reasoning.append(message.reasoningContent());
			int index = 0;
			for (ChatChunk.ToolCallDelta call : message.toolCalls()) {
				turn.calls.put(index++, new String[] { orEmpty(call.id()), orEmpty(call.name()), orEmpty(call.arguments()) });
			}
		}
	}

	private static String orEmpty(String text) {
		return text == null ? "" : text;
	}

	/** Whether the stream said how its turn finished. */
	boolean finished() {
		return finished;
	}

	/** Fingerprint of each turn's tool calls to its reasoning, for the turns that had both. */
	Map<String, String> remembered() {
		Map<String, String> remembered = new LinkedHashMap<>();
		for (Turn turn : turns.values()) {
			if (turn.calls.isEmpty() || turn.reasoning.isEmpty()) {
				continue;
			}
			List<ToolCalls.Call> calls = new ArrayList<>();
			turn.calls.values().forEach(call -> calls.add(new ToolCalls.Call(call[0], call[1], call[2])));
			remembered.put(ToolCalls.fingerprint(calls), turn.reasoning.toString());
		}
		return remembered;
	}

}
