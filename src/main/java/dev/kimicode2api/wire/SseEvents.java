package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Cuts a Server-Sent Events byte stream into whole events as its buffers pass, carrying over only an incomplete
 * event: what a filter that reads or rewrites a stream event by event needs, whatever way the upstream's bytes are
 * split (through a multibyte character or a blank line).
 */
public final class SseEvents {

	private static final byte[] NONE = new byte[0];

	private byte[] pending = NONE;

	/** Takes one buffer (and releases it); returns the events it completed, each with its closing blank line. */
	public List<byte[]> accept(DataBuffer buffer) {
		byte[] chunk = new byte[buffer.readableByteCount()];
		buffer.read(chunk);
		DataBufferUtils.release(buffer);
		return accept(chunk);
	}

	/** The same for bytes already copied out of a buffer. */
	public List<byte[]> accept(byte[] chunk) {
		byte[] bytes = pending.length == 0 ? chunk : concat(pending, chunk);
		List<byte[]> events = new ArrayList<>(2);
		int from = 0;
		int end;
		// a search from just before the new bytes is enough: the carried-over part held no event end
		while ((end = eventEnd(bytes, from, Math.max(from, pending.length - 2))) > 0) {
			events.add(Arrays.copyOfRange(bytes, from, end));
			from = end;
			pending = NONE;
		}
		pending = from == bytes.length ? NONE : Arrays.copyOfRange(bytes, from, bytes.length);
		return events;
	}

	/** Whatever followed the last complete event when the stream ended. */
	public byte[] rest() {
		return pending;
	}

	/** The index just past the blank line that ends the event starting at {@code from}, or -1. */
	private static int eventEnd(byte[] bytes, int from, int searchFrom) {
		for (int i = searchFrom; i < bytes.length - 1; i++) {
			if (bytes[i] == '\n') {
				if (bytes[i + 1] == '\n') {
					return i + 2;
				}
				if (bytes[i + 1] == '\r' && i + 2 < bytes.length && bytes[i + 2] == '\n') {
					return i + 3;
				}
			}
		}
		return -1;
	}

	/**
	 * The payload of an event's {@code data:} lines (joined with newlines, as the SSE spec does), or {@code null}
	 * when it has none.
	 */
	public static @Nullable String data(byte[] event) {
		byte[] data = dataBytes(event);
		return data == null ? null : new String(data, StandardCharsets.UTF_8);
	}

	/** {@link #data(byte[])} as UTF-8 bytes, for a reader that parses them: no decoding into a string and back. */
	public static byte @Nullable [] dataBytes(byte[] event) {
		byte[] data = null;
		int from = 0;
		while (from < event.length) {
			int end = from;
			while (end < event.length && event[end] != '\n') {
				end++;
			}
			int lineEnd = end > from && event[end - 1] == '\r' ? end - 1 : end;
			if (lineEnd - from >= 5 && event[from] == 'd' && event[from + 1] == 'a' && event[from + 2] == 't'
					&& event[from + 3] == 'a' && event[from + 4] == ':') {
				int value = lineEnd - from >= 6 && event[from + 5] == ' ' ? from + 6 : from + 5;
				if (data == null) {
					data = Arrays.copyOfRange(event, value, lineEnd);
				}
				else { // rare: a payload on several data lines, joined with newlines
					byte[] joined = Arrays.copyOf(data, data.length + 1 + lineEnd - value);
					joined[data.length] = '\n';
					System.arraycopy(event, value, joined, data.length + 1, lineEnd - value);
					data = joined;
				}
			}
			from = end + 1;
		}
		return data;
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] joined = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, joined, a.length, b.length);
		return joined;
	}

}
