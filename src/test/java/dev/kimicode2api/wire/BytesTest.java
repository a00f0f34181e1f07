package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The byte search behind every "does this body mention …" check agrees with String.indexOf, short and long. */
class BytesTest {

	@Test
	void agreesWithIndexOfOnShortAndLongRanges() {
		Random random = new Random(42);
		String alphabet = "abc_\"tool_calls:{}";
		for (int round = 0; round < 3000; round++) {
			int length = random.nextInt(round % 2 == 0 ? 300 : 3000);
			StringBuilder text = new StringBuilder(length);
			for (int i = 0; i < length; i++) {
				text.append(alphabet.charAt(random.nextInt(alphabet.length())));
			}
			String needle = round % 3 == 0 ? "tool_calls" : alphabet.substring(random.nextInt(5), 5 + random.nextInt(6));
			byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
			int from = length == 0 ? 0 : random.nextInt(length);
			int to = from + random.nextInt(length - from + 1);
			int at = text.substring(from, to).indexOf(needle);
			assertThat(Bytes.contains(bytes, from, to, needle.getBytes(StandardCharsets.US_ASCII)))
				.as("'%s' in [%d, %d) of %d bytes", needle, from, to, length).isEqualTo(at >= 0);
		}
	}

	@Test
	void findsAMarkerAtEitherEndOfAMegabyteBody() {
		byte[] body = new byte[3_000_000];
		java.util.Arrays.fill(body, (byte) 'x');
		byte[] marker = "\"tool_calls\"".getBytes(StandardCharsets.US_ASCII);
		assertThat(Bytes.contains(body, 0, body.length, marker)).isFalse();
		System.arraycopy(marker, 0, body, body.length - marker.length, marker.length);
		assertThat(Bytes.contains(body, 0, body.length, marker)).isTrue();
		assertThat(Bytes.contains(body, 0, body.length - 1, marker)).isFalse();
		System.arraycopy(marker, 0, body, 0, marker.length);
		assertThat(Bytes.contains(body, 0, marker.length, marker)).isTrue();
	}

}
