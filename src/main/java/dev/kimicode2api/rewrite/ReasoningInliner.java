package dev.kimicode2api.rewrite;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.buffer.DataBuffer;

import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.SseEvents;

/**
 * Rewrites an OpenAI chat-completion stream as it passes: it cuts the bytes into SSE events (carrying over only an
 * incomplete event) and, per choice, turns the first {@code reasoning_content} delta into content opening
 * {@code <think>}, later ones into content, and closes {@code </think>} in front of the first delta that carries
 * content, a tool call or a finish reason. Events without reasoning pass as their original bytes, unparsed.
 */
final class ReasoningInliner {

	private final SseEvents events = new SseEvents();

	/** Choice indexes whose {@code <think>} is open. */
	private final Set<Integer> open = new HashSet<>();

	/** Takes one buffer (and releases it); returns the events it completed, rewritten. */
	List<byte[]> accept(DataBuffer buffer) {
		List<byte[]> completed = events.accept(buffer);
		completed.replaceAll(this::rewrite);
		return completed;
	}

	/** Whatever followed the last complete event when the stream ended. */
	byte[] rest() {
		return events.rest();
	}

	private byte[] rewrite(byte[] bytes) {
		String event = new String(bytes, StandardCharsets.UTF_8);
		if (!event.contains("reasoning_content") && open.isEmpty()) {
			return bytes;
		}
		StringBuilder out = new StringBuilder(event.length() + 16);
		boolean changed = false;
		for (String line : event.strip().split("\r?\n")) {
			String json = line.startsWith("data:") ? line.substring(5).strip() : "";
			String rewritten = json.startsWith("{") ? rewriteChunk(json) : null;
			if (rewritten != null) {
				out.append("data: ").append(rewritten).append('\n');
				changed = true;
			}
			else {
				out.append(line).append('\n');
			}
		}
		return changed ? out.append('\n').toString().getBytes(StandardCharsets.UTF_8) : bytes;
	}

	/** The chunk with its reasoning moved into content, or {@code null} when nothing in it changes. */
	private String rewriteChunk(String json) {
		JsonNode chunk;
		try {
			chunk = Json.MAPPER.readTree(json);
		}
		catch (JacksonException ex) {
			return null;
		}
		boolean changed = false;
		for (JsonNode choice : chunk.path("choices")) {
			if (!(choice.path("delta") instanceof ObjectNode delta)) {
				continue;
			}
			int index = choice.path("index").asInt(0);
			String reasoning = delta.path("reasoning_content").asString("");
			JsonNode contentNode = delta.get("content");
			String content = contentNode != null && contentNode.isString() ? contentNode.asString() : null;
			StringBuilder text = new StringBuilder();
			if (!reasoning.isEmpty()) {
				if (open.add(index)) {
					text.append("<think>");
				}
				text.append(reasoning);
			}
			boolean ends = content != null && !content.isEmpty() || delta.has("tool_calls")
					|| !choice.path("finish_reason").isNull() && !choice.path("finish_reason").isMissingNode();
			if (ends && open.remove(index)) {
				text.append("</think>");
			}
			if (delta.has("reasoning_content") || !text.isEmpty()) {
				delta.remove("reasoning_content");
				if (content != null) {
					text.append(content);
				}
				if (!text.isEmpty() || content != null) {
					delta.put("content", text.toString());
				}
				changed = true;
			}
		}
		return changed ? Json.MAPPER.writeValueAsString(chunk) : null;
	}

}
