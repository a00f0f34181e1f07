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
 * An upstream's answer, or one event of it, bound to the fields the gateway's features read: a
 * {@code chat.completion} or one {@code chat.completion.chunk} (each choice's delta or message and finish reason), or
 * an Anthropic message or event (its model, usage and stop reason); the usage wherever the upstream puts it (top
 * level as OpenAI does, inside the finishing choice as Kimi does, inside {@code message} as Anthropic's
 * {@code message_start} does); an in-band error. Read with the streaming parser: the fields are picked out as they
 * pass and the rest skipped, with no tree built (it runs for the upstream's events). A field of another type than
 * the API's counts as absent.
 *
 * @param model the answer's model (Anthropic's {@code message_start}: its message's)
 * @param usage the answer's own usage, not a choice's: top level, or Anthropic's {@code message.usage}; or {@code null}
 * @param error an in-band {@code error} (how OpenAI-compatible servers report a failure inside a stream), or {@code null}
 * @param stopReason Anthropic's {@code stop_reason} (a message's, or a {@code message_delta}'s), or {@code null}
 */
public record ChatChunk(@Nullable String id, @Nullable Long created, @Nullable String model, List<Choice> choices,
		@Nullable JsonNode usage, @Nullable JsonNode error, @Nullable String stopReason) {

	/**
	 * @param usage the usage inside this choice (Kimi's streams carry it in the finishing chunk's {@code choices[0]})
	 */
	public record Choice(int index, @Nullable Delta delta, @Nullable Delta message, @Nullable String finishReason,
			@Nullable JsonNode usage) {
	}

	/**
	 * A chunk's {@code delta}, or a completion's {@code message}.
	 *
	 * @param members where its reasoning and content lie in the bytes it was read from ({@code null} when made, not read)
	 */
	public record Delta(@Nullable String content, @Nullable String reasoningContent, List<ToolCallDelta> toolCalls,
			@Nullable Members members) {
	}

	public record ToolCallDelta(@Nullable Integer index, @Nullable String id, @Nullable String name,
			@Nullable String arguments) {
	}

	/**
	 * Where a delta's (or message's) reasoning and content lie in the JSON it was read from, for a rewrite that changes
	 * only those and leaves every other byte as the upstream sent it: offsets from the JSON's first byte, -1 for a
	 * member that is absent.
	 *
	 * @param reasoning the {@code reasoning_content} member's name (its opening quote)
	 * @param reasoningValue its value's first byte
	 * @param reasoningEnd just past its value
	 * @param contentValue the {@code content} member's value's first byte
	 * @param contentEnd just past it
	 * @param close the object's closing brace
	 * @param toolCalls whether the object has a {@code tool_calls} member, whatever its value
	 */
	public record Members(int reasoning, int reasoningValue, int reasoningEnd, int contentValue, int contentEnd,
			int close, boolean toolCalls) {
	}

	/** The usage this chunk reports: its own, else the first a choice carries; {@code null} when none. */
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
	 * Reads a chat completion, chunk or Anthropic message or event from its JSON bytes.
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
			ChatChunk chunk = object(parser);
			if (parser.nextToken() != null) {
				throw new StreamReadException(parser, "more than one JSON value");
			}
			return chunk;
		}
	}

	/** The object whose START_OBJECT the parser is on (the answer, or Anthropic's {@code message} inside it). */
	private static ChatChunk object(JsonParser parser) {
		String id = null;
		Long created = null;
		String model = null;
		List<Choice> choices = List.of();
		JsonNode usage = null;
		JsonNode error = null;
		String stopReason = null;
		ChatChunk message = null;
		for (String name = parser.nextName(); name != null; name = parser.nextName()) {
			JsonToken token = parser.nextToken();
			switch (name) {
				case "id" -> id = text(parser, token);
				case "created" -> created = token == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : skip(parser, null);
				case "model" -> model = text(parser, token);
				case "choices" -> choices = token == JsonToken.START_ARRAY ? choices(parser) : skip(parser, List.of());
				case "usage" -> usage = parser.readValueAsTree();
				case "error" -> error = parser.readValueAsTree();
				case "stop_reason" -> stopReason = text(parser, token);
				case "message" -> message = token == JsonToken.START_OBJECT ? object(parser) : skip(parser, null);
				case "delta" -> stopReason = token == JsonToken.START_OBJECT ? stopReason(parser) : skip(parser, null);
				default -> parser.skipChildren();
			}
		}
		if (message != null) { // Anthropic's message_start: the answer's model and first usage are its message's
			model = model != null ? model : message.model();
			usage = usage != null ? usage : message.usage();
			stopReason = stopReason != null ? stopReason : message.stopReason();
		}
		return new ChatChunk(id, created, model, choices, usage, error, stopReason);
	}

	/** The {@code stop_reason} of an Anthropic {@code message_delta}'s delta. */
	private static @Nullable String stopReason(JsonParser parser) {
		String stopReason = null;
		for (String name = parser.nextName(); name != null; name = parser.nextName()) {
			JsonToken token = parser.nextToken();
			if (name.equals("stop_reason")) {
				stopReason = text(parser, token);
			}
			else {
				parser.skipChildren();
			}
		}
		return stopReason;
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
		int reasoningAt = -1;
		int reasoningValue = -1;
		int reasoningEnd = -1;
		int contentValue = -1;
		int contentEnd = -1;
		boolean hasToolCalls = false;
		for (String name = parser.nextName(); name != null; name = parser.nextName()) {
			int at = (int) parser.currentTokenLocation().getByteOffset();
			JsonToken token = parser.nextToken();
			int value = (int) parser.currentTokenLocation().getByteOffset();
			switch (name) {
				case "content" -> {
					content = text(parser, token);
					contentValue = value;
					contentEnd = (int) parser.currentLocation().getByteOffset();
				}
				case "reasoning_content" -> {
					reasoning = text(parser, token);
					reasoningAt = at;
					reasoningValue = value;
					reasoningEnd = (int) parser.currentLocation().getByteOffset();
				}
				case "tool_calls" -> {
					hasToolCalls = true;
					toolCalls = token == JsonToken.START_ARRAY ? toolCalls(parser) : skip(parser, List.of());
				}
				default -> parser.skipChildren();
			}
		}
		int close = (int) parser.currentTokenLocation().getByteOffset();
		return new Delta(content, reasoning, toolCalls, new Members(reasoningAt, reasoningValue, reasoningEnd,
				contentValue, contentEnd, close, hasToolCalls));
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

	/**
	 * A string value (or a number's text, as Jackson coerces it), read whole so the parser stands just past it; null
	 * for anything else.
	 */
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
