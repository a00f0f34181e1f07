package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.wire.Bytes;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.SseEvents;

/**
 * Assembles, from a chat completion as it passes, each choice's {@code reasoning_content} and the tool calls it came
 * with: a plain {@code chat.completion} at once, a stream from its deltas (reasoning pieces, call fragments that
 * carry the id and name first and the arguments in pieces). Only events that mention reasoning or tool calls are
 * parsed; nothing is held back.
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

	private final SseEvents events = new SseEvents();

	/** Whether a choice said how it finished (its turn is whole). */
	private boolean finished;

	/** A copy of the bytes of a streamed response, as they pass. */
	void acceptStreamBytes(byte[] bytes) {
		for (byte[] event : events.accept(bytes)) {
			if (Bytes.contains(event, REASONING) || Bytes.contains(event, TOOL_CALLS)
					|| Bytes.contains(event, FINISH)) {
				String data = SseEvents.data(event);
				if (data != null && data.startsWith("{")) {
					try {
						acceptChunk(Json.MAPPER.readTree(data));
					}
					catch (JacksonException ignored) {
						// not a chunk we know: nothing to remember from it
					}
				}
			}
		}
	}

	private void acceptChunk(JsonNode chunk) {
		for (JsonNode choice : chunk.path("choices")) {
			finished |= choice.hasNonNull("finish_reason");
			Turn turn = turns.computeIfAbsent(choice.path("index").asInt(0), i -> new Turn());
			JsonNode delta = choice.path("delta");
			turn.reasoning.append(delta.path("reasoning_content").asString(""));
			for (JsonNode fragment : delta.path("tool_calls")) {
				String[] call = turn.calls.computeIfAbsent(fragment.path("index").asInt(turn.calls.size()),
						i -> new String[] { "", "", "" });
				JsonNode function = fragment.path("function");
				if (fragment.hasNonNull("id")) {
					call[0] = fragment.get("id").asString();
				}
				if (function.hasNonNull("name")) {
					call[1] += function.get("name").asString();
				}
				call[2] += function.path("arguments").asString("");
			}
		}
	}

	/** A whole non-streamed response body. */
	void acceptCompletion(byte[] body) {
		if (!Bytes.contains(body, TOOL_CALLS) || !Bytes.contains(body, REASONING)) {
			return; // nothing to remember: no need to parse it
		}
		try {
			for (JsonNode choice : Json.MAPPER.readTree(body).path("choices")) {
				JsonNode message = choice.path("message");
				Turn turn = turns.computeIfAbsent(choice.path("index").asInt(0), i -> new Turn());
				turn.reasoning.append(message.path("reasoning_content").asString(""));
				int index = 0;
				for (ToolCalls.Call call : ToolCalls.of(message.path("tool_calls"))) {
					turn.calls.put(index++, new String[] { call.id(), call.name(), call.arguments() });
				}
			}
		}
		catch (JacksonException ignored) {
			// not a chat completion: nothing to remember
		}
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
