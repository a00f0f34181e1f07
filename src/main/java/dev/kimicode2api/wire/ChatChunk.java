package dev.kimicode2api.wire;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;

/**
 * A {@code chat.completion} or one {@code chat.completion.chunk}, bound to the fields the gateway's features read:
 * each choice's delta (or message) and finish reason, the usage wherever the upstream puts it (top level as OpenAI
 * does, or inside the finishing choice as Kimi does), the model, an in-band error. Read with the streaming parser:
 * the fields are picked out as they pass and the rest skipped, with no tree built (it runs for every upstream event).
 * A field of another type than the chat API's counts as absent.
 *
 * @param usage the top-level {@code usage}, or {@code null}
 * @param error an in-band {@code error} (how OpenAI-compatible servers report a failure inside a stream), or {@code null}
 */
public record ChatChunk(@Nullable String id, @Nullable Long created, @Nullable String model, List<Choice> choices,
		@Nullable JsonNode usage, @Nullable JsonNode error) {

	/**
	 * @param usage the usage inside this choice (Kimi's streams carry it in the finishing chunk's {@code choices[0]})
	 */
	public record Choice(int index, @Nullable Delta delta, @Nullable Delta message, @Nullable String finishReason,
			@Nullable JsonNode usage) {
	}

	/** A chunk's {@code delta}, or a completion's {@code message}. */
	public record Delta(@Nullable String content, @Nullable String reasoningContent, List<ToolCallDelta> toolCalls) {
	}

	public record ToolCallDelta(@Nullable Integer index, @Nullable String id, @Nullable String name,
			@Nullable String arguments) {
	}

	/** The usage this chunk reports: its top-level one, else the first a choice carries; {@code null} when none. */
	public @Nullable JsonNode reportedUsage() {
		if (usage != null && usage.isObject()) {
			return usage;
		}
		for (Choice choice : choices) {
			if (choice.usage() != null && choice.usage().isObject()) {
				return choice.usage();
			}
		}
		return null;
	}

	/**
	 * Reads a chat completion or chunk from its JSON bytes.
	 *
	 * @throws JacksonException if the bytes are not one JSON object
	 */
	public static ChatChunk read(byte[] json) {
		return read(json, 0, json.length);
	}

	public static ChatChunk read(byte[] json, int offset, int length) {
		try (JsonParser parser = Json.MAPPER.createParser(json, offset, length)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new StreamReadException(parser, "not a JSON object");
			}
			String id = null;
			Long created = null;
			String model = null;
			List<Choice> choices = List.of();
			JsonNode usage = null;
			JsonNode error = null;
			for (String name = parser.nextName(); name != null; name = parser.nextName()) {
				JsonToken token = parser.nextToken();
				switch (name) {
					case "id" -> id = text(parser, token);
					case "created" -> created = token == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : skip(parser, null);
					case "model" -> model = text(parser, token);
					case "choices" -> choices = token == JsonToken.START_ARRAY ? choices(parser) : skip(parser, List.of());
					case "usage" -> usage = parser.readValueAsTree();
					case "error" -> error = parser.readValueAsTree();
					default -> parser.skipChildren();
				}
			}
			if (parser.nextToken() != null) {
				throw new StreamReadException(parser, "more than one JSON value");
			}
			return new ChatChunk(id, created, model, choices, usage, error);
		}
	}

	private static List<Choice> choices(JsonParser parser) {
		List<Choice> choices = new ArrayList<>(1);
		for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
			if (element != JsonToken.START_OBJECT) {
				parser.skipChildren(); // not a choice: passed over, as the elements after it are not
				continue;
			}
			int index = 0;
			Delta delta = null;
			Delta message = null;
			String finishReason = null;
			JsonNode usage = null;
			for (String name = parser.nextName(); name != null; name = parser.nextName()) {
				JsonToken token = parser.nextToken();
				switch (name) {
					case "index" -> index = token == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : 0;
					case "delta" -> delta = token == JsonToken.START_OBJECT ? delta(parser) : skip(parser, null);
					case "message" -> message = token == JsonToken.START_OBJECT ? delta(parser) : skip(parser, null);
					case "finish_reason" -> finishReason = text(parser, token);
					case "usage" -> usage = parser.readValueAsTree();
					default -> parser.skipChildren();
				}
			}
			choices.add(new Choice(index, delta, message, finishReason, usage));
		}
		return choices;
	}

	private static Delta delta(JsonParser parser) {
		String content = null;
		String reasoning = null;
		List<ToolCallDelta> toolCalls = List.of();
		for (String name = parser.nextName(); name != null; name = parser.nextName()) {
			JsonToken token = parser.nextToken();
			switch (name) {
				case "content" -> content = text(parser, token);
				case "reasoning_content" -> reasoning = text(parser, token);
				case "tool_calls" -> toolCalls = token == JsonToken.START_ARRAY ? toolCalls(parser) : skip(parser, List.of());
				default -> parser.skipChildren();
			}
		}
		return new Delta(content, reasoning, toolCalls);
	}

	private static List<ToolCallDelta> toolCalls(JsonParser parser) {
		List<ToolCallDelta> calls = new ArrayList<>(1);
		for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
			if (element != JsonToken.START_OBJECT) {
				parser.skipChildren();
				continue;
			}
			Integer index = null;
			String id = null;
			String name = null;
			String arguments = null;
			for (String field = parser.nextName(); field != null; field = parser.nextName()) {
				JsonToken token = parser.nextToken();
				switch (field) {
					case "index" -> index = token == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
					case "id" -> id = text(parser, token);
					case "function" -> {
						if (token != JsonToken.START_OBJECT) {
							parser.skipChildren();
							continue;
						}
						for (String inner = parser.nextName(); inner != null; inner = parser.nextName()) {
							JsonToken value = parser.nextToken();
							switch (inner) {
								case "name" -> name = text(parser, value);
								case "arguments" -> arguments = text(parser, value);
								default -> parser.skipChildren();
							}
						}
					}
					default -> parser.skipChildren();
				}
			}
			calls.add(new ToolCallDelta(index, id, name, arguments));
		}
		return calls;
	}

	/** A string value (or a number's text, as Jackson coerces it); null for anything else. */
	private static @Nullable String text(JsonParser parser, JsonToken token) {
		if (token == JsonToken.VALUE_STRING || token.isNumeric()) {
			return parser.getString();
		}
		parser.skipChildren();
		return null;
	}

	private static <T> T skip(JsonParser parser, T absent) {
		parser.skipChildren();
		return absent;
	}

}
