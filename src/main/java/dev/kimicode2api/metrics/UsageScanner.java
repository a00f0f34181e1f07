package dev.kimicode2api.metrics;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * Finds the OpenAI {@code usage} object in a response as its bytes pass by, without holding the response: a stream
 * is read line by line (only a partial line is carried over), a plain body keeps only its last few kilobytes, where
 * {@code usage} sits.
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
					Usage found = usageIn(line.substring(5).trim());
					if (found != null) {
						usage = found;
					}
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

	private static @Nullable Usage usageIn(String json) {
		try {
			return toUsage(JSON.readTree(json).get("usage"));
		}
		catch (JacksonException ex) {
			return null;
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
					return toUsage(JSON.readTree(text.substring(0, i + 1)));
				}
				catch (JacksonException ex) {
					return null;
				}
			}
		}
		return null;
	}

	private static @Nullable Usage toUsage(@Nullable JsonNode node) {
		if (node == null || !node.isObject()) {
			return null;
		}
		long prompt = node.path("prompt_tokens").asLong(0);
		long completion = node.path("completion_tokens").asLong(0);
		long total = node.path("total_tokens").asLong(prompt + completion);
		return new Usage(prompt, completion, total);
	}

}
