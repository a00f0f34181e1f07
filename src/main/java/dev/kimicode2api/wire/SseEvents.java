package dev.kimicode2api.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Cuts a Server-Sent Events byte stream into whole events as its buffers pass, carrying over only an incomplete
 * event: the one place a stream is split, whatever way the upstream's bytes are cut (through a multibyte character or
 * a blank line). The events of one buffer are views of one array: nothing is copied per event.
 */
public final class SseEvents {

	private static final byte[] NONE = new byte[0];

	private byte[] pending = NONE;

	/** Takes one buffer (and releases it); returns the events it completed, each with its closing blank line. */
	public List<SseEvent> accept(DataBuffer buffer) {
		byte[] chunk = new byte[pending.length + buffer.readableByteCount()];
		System.arraycopy(pending, 0, chunk, 0, pending.length);
		buffer.read(chunk, pending.length, chunk.length - pending.length);
		DataBufferUtils.release(buffer);
		return split(chunk);
	}

	/** The same for bytes already copied out of a buffer. */
	public List<SseEvent> accept(byte[] chunk) {
		return split(pending.length == 0 ? chunk : concat(pending, chunk));
	}

	/** Whatever followed the last complete event when the stream ended (empty when nothing did). */
	public byte[] rest() {
		return pending;
	}

	/** {@code bytes} starts with the carried-over part, which held no event end. */
	private List<SseEvent> split(byte[] bytes) {
		List<SseEvent> events = new ArrayList<>(2);
		int from = 0;
		int end;
		// a search from just before the new bytes is enough: the carried-over part held no event end
		while ((end = eventEnd(bytes, Math.max(from, pending.length - 2))) > 0) {
			events.add(new SseEvent(bytes, from, end));
			from = end;
			pending = NONE;
		}
		pending = from == bytes.length ? NONE : Arrays.copyOfRange(bytes, from, bytes.length);
		return events;
	}

	/** The index just past the first blank line at or after {@code searchFrom}, or -1. */
	private static int eventEnd(byte[] bytes, int searchFrom) {
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

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] joined = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, joined, a.length, b.length);
		return joined;
	}

}
