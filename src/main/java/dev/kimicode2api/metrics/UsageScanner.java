package dev.kimicode2api.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.core.io.buffer.DataBuffer;

import dev.kimicode2api.rewrite.TopLevelJson;
import dev.kimicode2api.wire.Usage;

/**
 * Finds the {@code usage} object (OpenAI's, Anthropic's, or the Responses bridge's) in a response as its bytes pass
 * by, without holding the response: a stream is read line by line on its bytes (only a partial line is carried over,
 * and only a line that mentions {@code "usage"} is decoded and parsed), a plain body keeps only its last few
 * kilobytes, where {@code usage} sits.
 */
final class UsageScanner {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final int TAIL = 16 * 1024;

	private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] NONE = new byte[0];

	private final boolean stream;

	/** A stream's partial last line, or a plain body's tail. */
	private byte[] pending = NONE;

	private @Nullable Usage usage;

	private boolean finished;

	UsageScanner(boolean stream) {
		this.stream = stream;
	}

	/** Reads a buffer on its way to the client, without consuming it. */
	void accept(DataBuffer chunk) {
		int length = chunk.readableByteCount();
		byte[] bytes = new byte[pending.length + length];
		System.arraycopy(pending, 0, bytes, 0, pending.length);
		chunk.toByteBuffer(chunk.readPosition(), ByteBuffer.wrap(bytes), pending.length, length);
		if (!stream) {
			pending = bytes.length > 2 * TAIL ? Arrays.copyOfRange(bytes, bytes.length - TAIL, bytes.length) : bytes;
			return;
		}
		int from = 0;
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == '\n') {
				line(bytes, from, i);
				from = i + 1;
			}
		}
		pending = from == bytes.length ? NONE : Arrays.copyOfRange(bytes, from, bytes.length);
	}

	private void line(byte[] bytes, int from, int to) {
		if (to - from > 5 && bytes[from] == 'd' && TopLevelJson.contains(bytes, from, to, USAGE)) {
			String line = new String(bytes, from, to - from, StandardCharsets.UTF_8);
			if (line.startsWith("data:")) {
				usage = usageIn(line.substring(5).trim(), usage);
			}
		}
	}

	/** The usage seen, after the last chunk (or when the client left); {@code null} the second time. */
	@Nullable Usage finish() {
		if (finished) {
			return null;
		}
		finished = true;
		if (!stream && usage == null) {
			String tail = new String(pending, StandardCharsets.UTF_8);
			int at = tail.lastIndexOf("\"usage\"");
			if (at >= 0) {
				int brace = tail.indexOf("{", at);
				if (brace >= 0) {
					usage = usageObject(tail.substring(brace));
				}
			}
		}
		return usage;
	}

	/**
	 * The usage in one stream event, merged with what earlier events said: OpenAI sends it once at the end, at the top
	 * level; Kimi inside the finishing chunk's {@code choices[0]}; Anthropic sends input tokens in
	 * {@code message_start} (under {@code message}) and the output count in {@code message_delta}; the Responses
	 * bridge in {@code response.completed} (under {@code response}).
	 */
	private static @Nullable Usage usageIn(String json, @Nullable Usage before) {
		try {
			JsonNode event = JSON.readTree(json);
			JsonNode node = event.get("usage");
			if (node == null || !node.isObject()) {
				node = event.path("message").has("usage") ? event.path("message").get("usage")
						: event.path("response").has("usage") ? event.path("response").get("usage")
								: event.path("choices").path(0).get("usage");
			}
			return Usage.of(node, before);
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
					return Usage.of(JSON.readTree(text.substring(0, i + 1)), null);
				}
				catch (JacksonException ex) {
					return null;
				}
			}
		}
		return null;
	}

}
