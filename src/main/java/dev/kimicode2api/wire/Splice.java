package dev.kimicode2api.wire;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A replacement of the bytes in [start, end) of a JSON text by {@code bytes}: how the gateway changes a body or an
 * event it passes on, so every byte it was not asked to change stays as it was sent.
 */
public record Splice(int start, int end, byte[] bytes) {

	/** The text with the splices made; they must not overlap. */
	public static byte[] apply(byte[] text, List<Splice> splices) {
		List<Splice> ordered = new ArrayList<>(splices);
		ordered.sort(Comparator.comparingInt(Splice::start));
		ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + 64);
		int from = 0;
		for (Splice splice : ordered) {
			out.write(text, from, splice.start() - from);
			out.writeBytes(splice.bytes());
			from = splice.end();
		}
		out.write(text, from, text.length - from);
		return out.toByteArray();
	}

}
