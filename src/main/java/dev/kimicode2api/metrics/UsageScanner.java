package dev.kimicode2api.metrics;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * Finds the {@code usage} object (OpenAI's or Anthropic's) in a response as its bytes pass by, without holding the
 * response: a stream is read line by line (only a partial line is carried over), a plain body keeps only its last
 * few kilobytes, where {@code usage} sits.
 */
final class UsageScanner {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final int TAIL = 16 * 1024;

	private final boolean stream;

	private final StringBuilder pending = new StringBuilder();

	private @Nullable Usage usage;

	private long bytes;

	UsageScanner(boolean stream) {
		this.stream = stream;
	}

	/** Reads a buffer on its way to the client, without consuming it. */
	void accept(DataBuffer chunk) {
		int length = chunk.readableByteCount();
		bytes += length;
		pending.append(chunk.toString(chunk.readPosition(), length, StandardCharsets.UTF_8));
		if (stream) {
			int newline;
			while ((newline = pending.indexOf("\n")) >= 0) {
				String line = pending.substring(0, newline);
				pending.delete(0, newline + 1);
				if (line.startsWith("data:") && line.contains("\"usage\"")) {
					usage = usageIn(line.substring(5).trim(), usage);
				}
			}
		}
		else if (pending.length() > 2 * TAIL) {
			pending.delete(0, pending.length() - TAIL);
		}
	}

	/** The usage seen, after the last chunk. */
	@Nullable Usage finish() {
		if (!stream && usage == null) {
			int at = pending.lastIndexOf("\"usage\"");
			if (at >= 0) {
				int brace = pending.indexOf("{", at);
				if (brace >= 0) {
					usage = usageObject(pending.substring(brace));
				}
			}
		}
		return usage;
	}

	long bytes() {
		return bytes;
	}

	/**
	 * The usage in one stream event, merged with what earlier events said: OpenAI sends it once at the end; Anthropic
	 * sends input tokens in {@code message_start} (under {@code message}) and the output count in
	 * {@code message_delta}; the Responses bridge in {@code response.completed} (under {@code response}).
	 */
	private static @Nullable Usage usageIn(String json, @Nullable Usage before) {
		try {
			JsonNode event = JSON.readTree(json);
			JsonNode node = event.has("usage") ? event.get("usage")
					: event.path("message").has("usage") ? event.path("message").get("usage")
							: event.path("response").get("usage");
			return toUsage(node, before);
		}
		catch (JacksonException ex) {
			return before;
		}
	}

	/** Reads the JSON object that opens {@code text}, ignoring what follows it. */
	private static @Nullable Usage usageObject(String text) {
		int depth = 0;
		boolean inString = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (inString) {
				if (c == '\\') {
					i++;
				}
				else if (c == '"') {
					inString = false;
				}
			}
			else if (c == '"') {
				inString = true;
			}
			else if (c == '{') {
				depth++;
			}
			else if (c == '}' && --depth == 0) {
				try {
					return toUsage(JSON.readTree(text.substring(0, i + 1)), null);
				}
				catch (JacksonException ex) {
					return null;
				}
			}
		}
		return null;
	}

	/**
	 * OpenAI's {@code prompt_tokens}/{@code completion_tokens}/{@code total_tokens}, or Anthropic's
	 * {@code input_tokens} (plus its cache reads and writes, which are prompt too)/{@code output_tokens}. A count
	 * missing here keeps its earlier value.
	 */
	private static @Nullable Usage toUsage(@Nullable JsonNode node, @Nullable Usage before) {
		if (node == null || !node.isObject()) {
			return before;
		}
		long prompt;
		if (node.has("prompt_tokens")) {
			prompt = node.path("prompt_tokens").asLong(0);
		}
		else if (node.has("input_tokens")) {
			prompt = node.path("input_tokens").asLong(0) + node.path("cache_read_input_tokens").asLong(0)
					+ node.path("cache_creation_input_tokens").asLong(0);
		}
		else {
			prompt = before == null ? 0 : before.prompt();
		}
		long completion = node.has("completion_tokens") ? node.path("completion_tokens").asLong(0)
				: node.has("output_tokens") ? node.path("output_tokens").asLong(0)
						: before == null ? 0 : before.completion();
		long total = node.path("total_tokens").asLong(prompt + completion);
		return new Usage(prompt, completion, total);
	}

}
