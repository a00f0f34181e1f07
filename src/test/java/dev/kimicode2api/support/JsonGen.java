package dev.kimicode2api.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated JSON text for property tests, written character by character so that every spelling a client may use
 * turns up: any whitespace, escaped and raw characters of all of Unicode (surrogate pairs, lone surrogates as
 * escapes, U+2028), duplicate keys, huge and odd numbers, deep nesting, and strings that carry SSE framing
 * ({@code data:}, blank lines, {@code [DONE]}). A top-level object records where each member's value lies, as the
 * oracle of what a splice must keep.
 */
public final class JsonGen {

	private static final String[] KEYS = { "model", "stream", "thinking", "max_tokens", "temperature", "messages", "x",
			"tools", "n", "", "data:", "model ", "Model" };

	private static final String[] TRICKY = { "data:", "data: [DONE]\n\n", "\n\n", "[DONE]", "\r\n\r\n", "event: error",
			"\u2028", "\u2029", "\u0085", "\ufeff", "\ud83d\ude00", "\"", "\\", "/", "</script>", "\u0000", "\u202e" };

	private static final String[] NUMBERS = { "0", "-0", "0.0", "-0.0e0", "1", "-1", "9223372036854775807",
			"9223372036854775808", "-9223372036854775809", "1e999999", "-1E+999999999", "1e-400", "1.5E-999999",
			"123456789012345678901234567890.123456789", "4096", "1", "2", "0.2" };

	private static final String[] SPACE = { "", "", "", " ", "\n", "\t", "\r\n", "  " };

	private JsonGen() {
	}

	/** A decoded string and one JSON spelling of it. */
	public record Text(String value, String json) {
	}

	/** One member of a top-level object: its name, and where its value lies in the UTF-8 bytes. */
	public record Member(String name, String valueJson, int start, int end) {
	}

	/**
	 * A top-level JSON object: its bytes, members in order, the offset of its closing brace, and whether it stays
	 * within the parser's limits (nesting, number length), so that a correct reader must accept it.
	 */
	public record TopLevel(byte[] bytes, List<Member> members, int closingBrace, boolean withinLimits) {

		@Override
		public String toString() {
			return new String(bytes, StandardCharsets.UTF_8);
		}

	}

	public static TopLevel topLevel(SplittableRandom random) {
		Builder out = new Builder();
		List<Member> members = new ArrayList<>();
		out.append("{").append(space(random));
		int count = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(8);
		for (int i = 0; i < count; i++) {
			if (i > 0) {
				out.append(space(random)).append(",").append(space(random));
			}
			String name = random.nextInt(4) == 0 ? name(random) : KEYS[random.nextInt(KEYS.length)];
			out.append(spell(random, name)).append(space(random)).append(":").append(space(random));
			String value = name.equals("model") && random.nextInt(20) != 0 ? string(random, 30).json()
					: name.equals("stream") ? (random.nextBoolean() ? "true" : "false") : value(random, out, 0);
			int start = out.bytes();
			out.append(value);
			members.add(new Member(name, value, start, out.bytes()));
		}
		out.append(space(random));
		int closingBrace = out.bytes();
		out.append("}").append(space(random));
		return new TopLevel(out.toBytes(), members, closingBrace, !out.beyondLimits);
	}

	/** Any JSON value within the parser's limits. */
	public static String value(SplittableRandom random) {
		return value(random, false);
	}

	/**
	 * The same; with {@code exactInDouble}, its numbers are ones a double holds exactly (for what a reader that
	 * rebuilds a value from a tree of doubles must keep).
	 */
	public static String value(SplittableRandom random, boolean exactInDouble) {
		while (true) {
			Builder limits = new Builder();
			limits.exactInDouble = exactInDouble;
			String value = value(random, limits, 0);
			if (!limits.beyondLimits) {
				return value;
			}
		}
	}

	private static String value(SplittableRandom random, Builder limits, int depth) {
		int kind = random.nextInt(depth > 4 ? 6 : 9);
		switch (kind) {
			case 0, 1:
				return string(random, 40).json();
			case 2:
				return number(random, limits);
			case 3:
				return random.nextBoolean() ? "true" : "false";
			case 4:
				return "null";
			case 5:
				if (random.nextInt(40) == 0) {
					int deep = random.nextInt(8) == 0 ? 1200 + random.nextInt(4000) : 50 + random.nextInt(200);
					if (deep > 400) {
						limits.beyondLimits = true;
					}
					return "[".repeat(deep) + "]".repeat(deep);
				}
				return string(random, 3).json();
			case 6, 7: {
				StringBuilder array = new StringBuilder("[").append(space(random));
				int n = random.nextInt(5);
				for (int i = 0; i < n; i++) {
					array.append(i > 0 ? "," + space(random) : "").append(value(random, limits, depth + 1))
						.append(space(random));
				}
				return array.append("]").toString();
			}
			default: {
				StringBuilder object = new StringBuilder("{").append(space(random));
				int n = random.nextInt(5);
				for (int i = 0; i < n; i++) {
					String name = random.nextInt(3) == 0 ? KEYS[random.nextInt(KEYS.length)] : name(random);
					object.append(i > 0 ? "," + space(random) : "").append(spell(random, name)).append(space(random))
						.append(':').append(space(random)).append(value(random, limits, depth + 1));
				}
				return object.append(space(random)).append("}").toString();
			}
		}
	}

	private static String number(SplittableRandom random, Builder limits) {
		if (limits.exactInDouble) {
			return random.nextBoolean() ? String.valueOf(random.nextLong())
					: String.valueOf(random.nextDouble() * Math.pow(10, random.nextInt(-20, 20)));
		}
		if (random.nextInt(30) == 0) {
			int digits = random.nextInt(4) == 0 ? 1001 + random.nextInt(500) : 1 + random.nextInt(900);
			if (digits > 1000) {
				limits.beyondLimits = true;
			}
			StringBuilder number = new StringBuilder(random.nextBoolean() ? "-" : "").append(1 + random.nextInt(9));
			for (int i = 1; i < digits; i++) {
				number.append(random.nextInt(10));
			}
			return number.toString();
		}
		return random.nextBoolean() ? NUMBERS[random.nextInt(NUMBERS.length)]
				: String.valueOf(random.nextInt(2) == 0 ? random.nextLong() : random.nextDouble() * 1e6);
	}

	/** A string of up to {@code max} pieces: plain, escaped, of all of Unicode, and SSE framing. */
	public static Text string(SplittableRandom random, int max) {
		StringBuilder value = new StringBuilder();
		StringBuilder json = new StringBuilder("\"");
		int n = random.nextInt(max + 1);
		for (int i = 0; i < n; i++) {
			int kind = random.nextInt(10);
			String piece;
			if (kind < 4) {
				piece = String.valueOf((char) (0x20 + random.nextInt(0x5f)));
			}
			else if (kind < 6) {
				piece = TRICKY[random.nextInt(TRICKY.length)];
			}
			else if (kind < 8) {
				int cp;
				do {
					cp = random.nextInt(0x10ffff + 1);
				}
				while (cp >= 0xd800 && cp <= 0xdfff);
				piece = new String(Character.toChars(cp));
			}
			else if (kind == 8) {
				piece = String.valueOf((char) random.nextInt(0x20));
			}
			else {
				// a lone surrogate: only as an escape, since it has no UTF-8 form
				char lone = (char) (0xd800 + random.nextInt(0x800));
				value.append(lone);
				json.append(String.format("\\u%04x", (int) lone));
				continue;
			}
			value.append(piece);
			json.append(escape(random, piece));
		}
		return new Text(value.toString(), json.append('"').toString());
	}

	/** A property name: any text but lone surrogates, which the parser refuses in names (not in values). */
	private static String name(SplittableRandom random) {
		StringBuilder name = new StringBuilder();
		string(random, 6).value().codePoints().filter(cp -> cp < 0xd800 || cp > 0xdfff).forEach(name::appendCodePoint);
		return name.toString();
	}

	/** A JSON string spelling {@code name}, escaped at random. */
	public static String spell(SplittableRandom random, String name) {
		return "\"" + escape(random, name) + "\"";
	}

	private static String escape(SplittableRandom random, String text) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
				char low = text.charAt(++i); // a pair: both halves raw, or both escaped
				out.append(random.nextInt(4) == 0 ? String.format("\\u%04x\\u%04x", (int) c, (int) low) : "" + c + low);
				continue;
			}
			boolean must = c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c);
			if (!must && random.nextInt(12) != 0) {
				out.append(c);
				continue;
			}
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append(random.nextBoolean() ? "\\n" : "\\u000a");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				case '/' -> out.append(random.nextBoolean() ? "\\/" : "/");
				default -> out.append(String.format(random.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
			}
		}
		return out.toString();
	}

	public static String space(SplittableRandom random) {
		return SPACE[random.nextInt(SPACE.length)];
	}

	/** Text kept with its UTF-8 length, so that members' byte offsets are known as it grows. */
	private static final class Builder {

		private final StringBuilder text = new StringBuilder();

		private int bytes;

		private boolean beyondLimits;

		private boolean exactInDouble;

		Builder append(String part) {
			text.append(part);
			bytes += part.getBytes(StandardCharsets.UTF_8).length;
			return this;
		}

		int bytes() {
			return bytes;
		}

		byte[] toBytes() {
			return text.toString().getBytes(StandardCharsets.UTF_8);
		}

	}

}
