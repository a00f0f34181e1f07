package dev.kimicode2api.rewrite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

import static dev.kimicode2api.rewrite.InlineReasoningGlobalFilter.JSON;

/**
 * Rewrites an OpenAI chat-completion stream as it passes: it cuts the bytes into SSE events (carrying over only an
 * incomplete event) and, per choice, turns the first {@code reasoning_content} delta into content opening
 * {@code <think>}, later ones into content, and closes {@code </think>} in front of the first delta that carries
 * content, a tool call or a finish reason. Events without reasoning pass as their original bytes, unparsed.
 */
final class ReasoningInliner {

	private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

	/** Choice indexes whose {@code <think>} is open. */
	private final Set<Integer> open = new HashSet<>();

	/** Takes one buffer (and releases it); returns the events it completed, rewritten. */
	List<byte[]> accept(DataBuffer buffer) {
		byte[] chunk = new byte[buffer.readableByteCount()];
		buffer.read(chunk);
		DataBufferUtils.release(buffer);
		pending.writeBytes(chunk);
		byte[] bytes = pending.toByteArray();
		List<byte[]> events = new ArrayList<>();
		int from = 0;
		int end;
		while ((end = eventEnd(bytes, from)) > 0) {
			events.add(rewrite(bytes, from, end));
			from = end;
		}
		pending.reset();
		pending.write(bytes, from, bytes.length - from);
		return events;
	}

	/** Whatever followed the last complete event when the stream ended. */
	byte[] rest() {
		return pending.toByteArray();
	}

	/** The index just past the blank line that ends the event starting at {@code from}, or -1. */
	private static int eventEnd(byte[] bytes, int from) {
		for (int i = from; i < bytes.length - 1; i++) {
			if (bytes[i] == '\n') {
				if (bytes[i + 1] == '\n') {
					return i + 2;
				}
				if (bytes[i + 1] == '\r' && i + 2 < bytes.length && bytes[i + 2] == '\n') {
					return i + 3;
				}
			}
		}
		return -1;
	}

	private byte[] rewrite(byte[] bytes, int from, int end) {
		String event = new String(bytes, from, end - from, StandardCharsets.UTF_8);
		if (!event.contains("reasoning_content") && open.isEmpty()) {
			return slice(bytes, from, end);
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
		return changed ? out.append('\n').toString().getBytes(StandardCharsets.UTF_8) : slice(bytes, from, end);
	}

	/** The chunk with its reasoning moved into content, or {@code null} when nothing in it changes. */
	private String rewriteChunk(String json) {
		JsonNode chunk;
		try {
			chunk = JSON.readTree(json);
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
		return changed ? JSON.writeValueAsString(chunk) : null;
	}

	private static byte[] slice(byte[] bytes, int from, int end) {
		byte[] copy = new byte[end - from];
		System.arraycopy(bytes, from, copy, 0, copy.length);
		return copy;
	}

}
