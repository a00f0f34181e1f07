package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One streaming pass over a JSON object that records where each top-level value lies in the bytes. A rewrite then
 * splices only those values, so every other byte of the client's request (messages, tools, unicode escapes, number
 * spellings, key order) reaches the upstream exactly as sent, and a body with no virtual model is not copied at all.
 */
public final class TopLevelJson {

	private final byte[] bytes;

	/** Field name to the [start, end) byte spans of its values (a repeated key has several). */
	private final Map<String, List<int[]>> spans;

	/** Every member in order: its name's first byte, then its value's [start, end). */
	private final List<int[]> members;

	private final List<String> memberNames;

	private final int closingBrace;

	private final @Nullable String model;

	private final boolean stream;

	private TopLevelJson(byte[] bytes, Map<String, List<int[]>> spans, List<int[]> members, List<String> memberNames,
			int closingBrace, @Nullable String model, boolean stream) {
		this.bytes = bytes;
		this.spans = spans;
		this.members = members;
		this.memberNames = memberNames;
		this.closingBrace = closingBrace;
		this.model = model;
		this.stream = stream;
	}

	/** Whether the body asks for a streamed response ({@code "stream": true}). */
	public boolean stream() {
		return stream;
	}

	/** The body's {@code model}, or {@code null} when it has none. */
	public @Nullable String model() {
		return model;
	}

	/** The top-level field's value as a whole number, or {@code null} if it is absent or not a number. */
	public @Nullable Long longValue(String field) {
		List<int[]> at = spans.get(field);
		if (at == null) {
			return null;
		}
		int[] span = at.get(at.size() - 1); // a repeated key: the last one wins, as in most JSON readers
		try {
			return new java.math.BigDecimal(new String(bytes, span[0], span[1] - span[0], StandardCharsets.US_ASCII))
				.longValue();
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * Parses the whole body (so malformed JSON is caught here, not upstream).
	 * @throws InvalidBodyException if it is not one JSON object or its {@code model} is not a string
	 */
	public static TopLevelJson parse(byte[] bytes) {
		Map<String, List<int[]>> spans = new LinkedHashMap<>();
		List<int[]> members = new ArrayList<>();
		List<String> memberNames = new ArrayList<>();
		String model = null;
		boolean stream = false;
		try (JsonParser parser = Json.MAPPER.createParser(bytes)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new InvalidBodyException("The request body must be a JSON object");
			}
			JsonToken token;
			while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
				String name = parser.currentName();
				int keyStart = (int) parser.currentTokenLocation().getByteOffset();
				JsonToken value = parser.nextToken();
				int start = (int) parser.currentTokenLocation().getByteOffset();
				int end;
				if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
					parser.skipChildren();
					end = (int) parser.currentLocation().getByteOffset();
				}
				else {
					end = scalarEnd(bytes, start, value);
				}
				if (name.equals("model")) {
					if (value != JsonToken.VALUE_STRING) {
						throw new InvalidBodyException("'model' must be a string");
					}
					model = parser.getString();
				}
				else if (name.equals("stream")) {
					stream = value == JsonToken.VALUE_TRUE;
				}
				spans.computeIfAbsent(name, k -> new ArrayList<>(1)).add(new int[] { start, end });
				members.add(new int[] { keyStart, start, end });
				memberNames.add(name);
			}
			if (token != JsonToken.END_OBJECT) {
				throw new InvalidBodyException("The request body is not valid JSON");
			}
			int closingBrace = (int) parser.currentTokenLocation().getByteOffset();
			if (parser.nextToken() != null) {
				throw new InvalidBodyException("The request body has content after its JSON object");
			}
			return new TopLevelJson(bytes, spans, members, memberNames, closingBrace, model, stream);
		}
		catch (JacksonException ex) {
			throw new InvalidBodyException("The request body is not valid JSON: " + ex.getOriginalMessage());
		}
	}

	/**
	 * The body with every given field (name to JSON text) set on the top level, existing values replaced in place and
	 * missing fields appended before the closing brace, and with edits inside values (which must not overlap each
	 * other nor a field set here): the bytes between them are kept exactly as sent. A field set to {@code null} is
	 * removed, with one comma.
	 */
	public byte[] with(Map<String, String> fields, List<Splice> inner) {
		if (fields.isEmpty() && inner.isEmpty()) {
			return bytes;
		}
		List<Splice> edits = new ArrayList<>(inner);
		StringBuilder appended = new StringBuilder();
		fields.forEach((name, json) -> {
			List<int[]> at = spans.get(name);
			if (json == null) {
				return; // removals below, where the commas are known
			}
			if (at == null) {
				appended.append(',').append(quote(name)).append(':').append(json);
			}
			else {
				at.forEach(span -> edits.add(new Splice(span[0], span[1], json.getBytes(StandardCharsets.UTF_8))));
			}
		});
		int lastKept = -1;
		for (int i = members.size() - 1; i >= 0 && lastKept < 0; i--) {
			if (!fields.containsKey(memberNames.get(i)) || fields.get(memberNames.get(i)) != null) {
				lastKept = i;
			}
		}
		for (int i = 0; i < members.size(); i++) {
			if (fields.containsKey(memberNames.get(i)) && fields.get(memberNames.get(i)) == null) {
				// before the last kept member, a member leaves with the comma after it; after it, with the one before
				edits.add(i < lastKept ? new Splice(members.get(i)[0], members.get(i + 1)[0], new byte[0])
						: new Splice(i == 0 ? members.get(i)[0] : members.get(i - 1)[2], members.get(i)[2], new byte[0]));
			}
		}
		if (!appended.isEmpty()) {
			String text = lastKept < 0 ? appended.substring(1) : appended.toString();
			edits.add(new Splice(closingBrace, closingBrace, text.getBytes(StandardCharsets.UTF_8)));
		}
		return Splice.apply(bytes, edits);
	}

	/** The body as it was parsed. */
	public byte[] bytes() {
		return bytes;
	}

	/** The [start, end) byte span of a top-level field's value (the last one of a repeated key), or {@code null}. */
	public int @Nullable [] span(String field) {
		List<int[]> at = spans.get(field);
		return at == null ? null : at.get(at.size() - 1);
	}

	/** A top-level field's value as JSON text, or {@code null} when it is absent. */
	public @Nullable String text(String field) {
		int[] span = span(field);
		return span == null ? null : new String(bytes, span[0], span[1] - span[0], StandardCharsets.UTF_8);
	}

	/** Whether a top-level field's value contains the ASCII text {@code marker} anywhere (a quick test before a parse). */
	public boolean mentions(String field, byte[] marker) {
		int[] span = span(field);
		return span != null && Bytes.contains(bytes, span[0], span[1], marker);
	}

	/**
	 * The [start, end) spans of the elements of a top-level array field, found by one streaming pass over it (nothing
	 * is built); empty when the field is absent or not an array.
	 */
	public List<int[]> elements(String field) {
		int[] span = span(field);
		if (span == null || bytes[span[0]] != '[') {
			return List.of();
		}
		List<int[]> elements = new ArrayList<>();
		try (JsonParser parser = Json.MAPPER.createParser(bytes, span[0], span[1] - span[0])) {
			parser.nextToken();
			JsonToken token;
			while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
				int start = span[0] + (int) parser.currentTokenLocation().getByteOffset();
				int end;
				if (token.isStructStart()) {
					parser.skipChildren();
					end = span[0] + (int) parser.currentLocation().getByteOffset();
				}
				else {
					end = scalarEnd(bytes, start, token);
				}
				elements.add(new int[] { start, end });
			}
		}
		return elements;
	}

	public static String quote(String text) {
		StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
		for (char c : text.toCharArray()) {
			switch (c) {
				case '"' -> quoted.append("\\\"");
				case '\\' -> quoted.append("\\\\");
				default -> {
					if (c < 0x20) {
						quoted.append(String.format("\\u%04x", (int) c));
					}
					else {
						quoted.append(c);
					}
				}
			}
		}
		return quoted.append('"').toString();
	}

	/**
	 * The end of a scalar that starts at {@code start}: past the closing quote, or past the literal's last char. The
	 * parser reads a string's content only when it is skipped, after this: a string cut short by the end of the body
	 * is found here.
	 */
	private static int scalarEnd(byte[] bytes, int start, JsonToken token) {
		int i = start;
		if (token == JsonToken.VALUE_STRING) {
			i++;
			while (i < bytes.length && bytes[i] != '"') {
				i += bytes[i] == '\\' ? 2 : 1;
			}
			if (i >= bytes.length) {
				throw new InvalidBodyException("The request body is not valid JSON: a string is not closed");
			}
			return i + 1;
		}
		while (i < bytes.length && isLiteralChar(bytes[i])) {
			i++;
		}
		return i;
	}

	private static boolean isLiteralChar(byte b) {
		return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '+'
				|| b == '.';
	}

}
