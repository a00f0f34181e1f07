package dev.kimicode2api.wire;

import java.util.Arrays;

/**
 * The byte search behind every "does this body, element or event mention …" check, the test a reader makes before it
 * decides to parse anything.
 */
public final class Bytes {

	private Bytes() {
	}

	/** Whether {@code needle} (an ASCII marker such as {@code "tool_calls"}) occurs anywhere in {@code bytes}. */
	public static boolean contains(byte[] bytes, byte[] needle) {
		return contains(bytes, 0, bytes.length, needle);
	}

	/**
	 * Whether {@code needle} occurs in {@code bytes} between {@code from} and {@code to}: Horspool's search, which
	 * looks at about one byte in {@code needle.length} of a long body (a naive scan of a 3 MB body took ~8 ms).
	 */
	public static boolean contains(byte[] bytes, int from, int to, byte[] needle) {
		int m = needle.length;
		if (m == 0) {
			return true;
		}
		if (to - from < 256) {
			return naiveContains(bytes, from, to, needle);
		}
		int[] shift = new int[256];
		Arrays.fill(shift, m);
		for (int j = 0; j < m - 1; j++) {
			shift[needle[j] & 0xff] = m - 1 - j;
		}
		byte last = needle[m - 1];
		for (int i = from + m - 1; i < to; i += shift[bytes[i] & 0xff]) {
			if (bytes[i] == last && regionMatches(bytes, i - m + 1, needle, m - 1)) {
				return true;
			}
		}
		return false;
	}

	private static boolean naiveContains(byte[] bytes, int from, int to, byte[] needle) {
		for (int i = from; i <= to - needle.length; i++) {
			if (bytes[i] == needle[0] && regionMatches(bytes, i, needle, needle.length)) {
				return true;
			}
		}
		return false;
	}

	private static boolean regionMatches(byte[] bytes, int at, byte[] needle, int length) {
		for (int j = 0; j < length; j++) {
			if (bytes[at + j] != needle[j]) {
				return false;
			}
		}
		return true;
	}

}
