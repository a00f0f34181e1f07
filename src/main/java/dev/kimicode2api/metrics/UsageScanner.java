package dev.kimicode2api.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import org.springframework.core.io.buffer.DataBuffer;

import dev.kimicode2api.wire.Bytes;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.Usage;

/**
 * Finds the {@code usage} object (OpenAI's, Anthropic's, or the Responses bridge's) in a response as its bytes pass
 * by, without holding the response: a stream is read line by line on its bytes (only a partial line is carried over,
 * and only a line that mentions {@code "usage"} is decoded and parsed), a plain body keeps only its last few
 * kilobytes, where {@code usage} sits.
 *
 * <p>For a request a trace records ({@code details}), it also notes what the span shows of the answer: the model it
 * names and why it finished ({@code finish_reason} per choice, Anthropic's {@code stop_reason}). A stream's line is
 * then also parsed when it carries a finish reason (OpenAI sends it in a chunk of its own, before the usage chunk);
 * a plain body keeps its first few hundred bytes too, where {@code model} sits. Without a trace nothing of this is
 * looked at.
 */
final class UsageScanner {

	private static final int TAIL = 16 * 1024;

	private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] NONE = new byte[0];

	private static final byte[] REASON = "_reason\"".getBytes(StandardCharsets.US_ASCII);

	private static final int HEAD = 512;

	private static final Pattern FINISH_REASON = Pattern.compile("\"(?:finish|stop)_reason\"\\s*:\\s*\"([^\"\\\\]{1,64})\"");

	private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"\\\\]{1,200})\"");

	private final boolean stream;

	private final boolean details;

	/** A plain body's first bytes (only with {@code details}). */
	private byte @Nullable [] head;

	private @Nullable String model;

	/** Finish reasons by choice index. */
	private final Map<Integer, String> finishReasons = new TreeMap<>();

	/** A stream's partial last line, or a plain body's tail. */
	private byte[] pending = NONE;

	private @Nullable Usage usage;

	private boolean finished;

	UsageScanner(boolean stream) {
		this(stream, false);
	}

	UsageScanner(boolean stream, boolean details) {
		this.stream = stream;
		this.details = details;
	}

	/** Reads a buffer on its way to the client, without consuming it. */
	void accept(DataBuffer chunk) {
		int length = chunk.readableByteCount();
		byte[] bytes = new byte[pending.length + length];
		System.arraycopy(pending, 0, bytes, 0, pending.length);
		chunk.toByteBuffer(chunk.readPosition(), ByteBuffer.wrap(bytes), pending.length, length);
		if (!stream) {
			if (details && head == null) {
				head = Arrays.copyOf(bytes, Math.min(bytes.length, HEAD));
			}
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
		if (to - from > 5 && bytes[from] == 'd' && (Bytes.contains(bytes, from, to, USAGE)
				|| details && namesFinishReason(bytes, from, to))) {
			String line = new String(bytes, from, to - from, StandardCharsets.UTF_8);
			if (line.startsWith("data:")) {
				event(line.substring(5).trim());
			}
		}
	}

	/** Whether a {@code …_reason} field in the line has a string value (OpenAI sends {@code null} until the end). */
	private static boolean namesFinishReason(byte[] bytes, int from, int to) {
		for (int i = from; i <= to - REASON.length; i++) {
			if (bytes[i] != '_' || !Arrays.equals(bytes, i, i + REASON.length, REASON, 0, REASON.length)) {
				continue;
			}
			int at = i + REASON.length;
			while (at < to && (bytes[at] == ' ' || bytes[at] == ':')) {
				at++;
			}
			if (at < to && bytes[at] == '"') {
				return true;
			}
		}
		return false;
	}

	/** The model the answer named, after {@link #finish()} (only with {@code details}). */
	@Nullable String model() {
		return model;
	}

	/** The finish reasons, in choice order, after {@link #finish()} (only with {@code details}); empty when none. */
	List<String> finishReasons() {
		return new ArrayList<>(finishReasons.values());
	}

	/** The usage seen, after the last chunk (or when the client left); {@code null} the second time. */
	@Nullable Usage finish() {
		if (finished) {
			return null;
		}
		finished = true;
		if (!stream && details) {
			String tail = new String(pending, StandardCharsets.UTF_8);
			Matcher reasons = FINISH_REASON.matcher(tail);
			for (int i = 0; reasons.find(); i++) {
				finishReasons.put(i, reasons.group(1));
			}
			if (head != null) {
				Matcher named = MODEL.matcher(new String(head, StandardCharsets.UTF_8));
				model = named.find() ? named.group(1) : null;
			}
		}
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
	private void event(String json) {
		JsonNode event;
		try {
			event = Json.MAPPER.readTree(json);
		}
		catch (JacksonException ex) {
			return;
		}
		JsonNode node = event.get("usage");
		if (node == null || !node.isObject()) {
			node = event.path("message").has("usage") ? event.path("message").get("usage")
					: event.path("response").has("usage") ? event.path("response").get("usage")
							: event.path("choices").path(0).get("usage");
		}
		usage = Usage.of(node, usage);
		if (details) {
			details(event);
		}
	}

	/** The model and finish reasons an event names: OpenAI's chunk, or Anthropic's message_start / message_delta. */
	private void details(JsonNode event) {
		JsonNode named = event.path("model").isString() ? event.get("model") : event.path("message").get("model");
		if (named != null && named.isString()) {
			model = named.asString();
		}
		JsonNode choices = event.path("choices");
		for (int i = 0; i < choices.size(); i++) {
			JsonNode reason = choices.get(i).path("finish_reason");
			if (reason.isString()) {
				finishReasons.put(choices.get(i).path("index").asInt(i), reason.asString());
			}
		}
		JsonNode stop = event.path("delta").path("stop_reason");
		if (stop.isString()) {
			finishReasons.put(0, stop.asString());
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
					return Usage.of(Json.MAPPER.readTree(text.substring(0, i + 1)), null);
				}
				catch (JacksonException ex) {
					return null;
				}
			}
		}
		return null;
	}

}
