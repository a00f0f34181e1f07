package dev.kimicode2api.wire;

import org.jspecify.annotations.Nullable;

/**
 * Client-controlled text (a model name, a path, an id) on its way into a log line. A client must not be able to
 * start a line of its own (CR, LF, U+2028 and the other line breaks), hide text (control and bidi characters), end
 * a quoted value early or fake a {@code key=value} pair, nor fill the log with one huge value: every logger of the
 * project passes such values through here.
 */
public final class LogSafe {

	/** The longest value kept, in chars; longer ones are cut and marked. */
	public static final int MAX_LENGTH = 200;

	/** What marks a value cut at {@link #MAX_LENGTH}. */
	public static final String CUT = "...";

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private LogSafe() {
	}

	/**
	 * For a line of text: escaped so it cannot break the line ({@code \n}, {@code \r}, {@code \t}, {@code \"},
	 * {@code \\}, other control, format and line-break characters and unpaired surrogates as {@code \}{@code uXXXX}),
	 * bounded in length, and in double quotes when it has a space, {@code =} or quote, or is empty, so it reads as one
	 * value. {@code null} is {@code -}.
	 */
	public static String text(@Nullable Object value) {
		if (value == null) {
			return "-";
		}
		String text = value.toString();
		int length = Math.min(text.length(), MAX_LENGTH);
		boolean quote = text.isEmpty();
		boolean plain = true;
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			if (c == ' ' || c == '=' || c == '"') {
				quote = true;
			}
			if (needsEscape(text, i, c)) {
				plain = false;
			}
		}
		if (plain && !quote && text.length() <= MAX_LENGTH) {
			return text; // the common case: nothing to copy
		}
		StringBuilder out = new StringBuilder(length + 16);
		if (quote) {
			out.append('"');
		}
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			switch (c) {
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				default -> {
					if (needsEscape(text, i, c)) {
						out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
							.append(HEX[c & 0xf]);
					}
					else if (Character.isHighSurrogate(c) && i == length - 1) {
						// a pair cut in two by the length bound: drop its first half rather than log half a character
					}
					else {
						out.append(c);
					}
				}
			}
		}
		if (text.length() > MAX_LENGTH) {
			out.append(CUT);
		}
		if (quote) {
			out.append('"');
		}
		return out.toString();
	}

	/**
	 * For a structured (JSON) line, whose writer escapes what JSON needs: bounded in length, unpaired surrogates
	 * replaced (they have no UTF-8 form). {@code null} stays {@code null}.
	 */
	public static @Nullable String bounded(@Nullable String value) {
		if (value == null) {
			return null;
		}
		int length = Math.min(value.length(), MAX_LENGTH);
		boolean clean = value.length() <= MAX_LENGTH;
		for (int i = 0; i < length && clean; i++) {
			if (Character.isSurrogate(value.charAt(i))) {
				clean = false;
			}
		}
		if (clean) {
			return value;
		}
		StringBuilder out = new StringBuilder(length + CUT.length());
		for (int i = 0; i < length; i++) {
			char c = value.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
				if (i + 1 < length) {
					out.append(c).append(value.charAt(++i));
				}
			}
			else {
				out.append(Character.isSurrogate(c) ? '\ufffd' : c);
			}
		}
		if (value.length() > MAX_LENGTH) {
			out.append(CUT);
		}
		return out.toString();
	}

	/**
	 * Whether the char at {@code i} would let a value break or disguise a log line: C0 and C1 controls and DEL, the
	 * quote and backslash (escaped by name in {@link #text}), Unicode's line and paragraph separators, the bidi and
	 * zero-width format characters, and a surrogate that is not half of a pair.
	 */
	private static boolean needsEscape(String text, int i, char c) {
		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f && c <= 0x9f) {
			return true;
		}
		if (c < 0x200b) {
			return c == 0x061c || c == 0x180e;
		}
		if (c <= 0x206f) {
			return c <= 0x200f || c >= 0x2028 && c <= 0x202e || c >= 0x2060;
		}
		if (Character.isHighSurrogate(c)) {
			return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
		}
		if (Character.isLowSurrogate(c)) {
			return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
		}
		return c == 0xfeff || c >= 0xfff9 && c <= 0xfffb;
	}

}
