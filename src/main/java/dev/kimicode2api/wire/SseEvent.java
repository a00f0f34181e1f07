package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;

/**
 * One Server-Sent Event of an upstream's answer, its closing blank line included, as the bytes that came (a view of
 * the array {@link SseEvents} cut it from, not a copy). What a reader asks of it is worked out once and kept: where
 * its {@code data:} payload lies, and that payload read as a {@link ChatChunk}. However many of the gateway's
 * features look at an event, its JSON is parsed at most once; one that nobody asks about is not parsed at all.
 */
public final class SseEvent {

	private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

	private static final byte NOT_SEARCHED = 0;

	private static final byte FOUND = 1;

	private static final byte ABSENT = 2;

	private static final int UNKNOWN = -2;

	private static final int NONE = -1;

	private final byte[] bytes;

	private final int from;

	private final int to;

	/** Where the payload of its one data line lies in {@link #bytes}; {@link #NONE} without data. */
	private int dataFrom = UNKNOWN;

	private int dataTo;

	/** The payload of several data lines, joined (rare; then {@link #dataFrom} is 0 in this array). */
	private byte @Nullable [] joined;

	private @Nullable ChatChunk chunk;

	private boolean read;

	/** Whether it mentions "usage", once searched. */
	private byte usage = NOT_SEARCHED;

	SseEvent(byte[] bytes, int from, int to) {
		this.bytes = bytes;
		this.from = from;
		this.to = to;
	}

	/** A whole event a feature writes (blank line included), with the chunk it carries where known (none is parsed). */
	public static SseEvent of(byte[] event, @Nullable ChatChunk chunk) {
		SseEvent written = new SseEvent(event, 0, event.length);
		if (chunk != null) {
			written.chunk = chunk;
			written.read = true;
		}
		return written;
	}

	/** An event as it came, e.g. a stream's last one without its blank line. */
	public static SseEvent of(byte[] event) {
		return new SseEvent(event, 0, event.length);
	}

	/** Its bytes, in a copy. */
	public byte[] bytes() {
		return Arrays.copyOfRange(bytes, from, to);
	}

	public int length() {
		return to - from;
	}

	/** Whether its bytes contain the ASCII text {@code marker}: the test a reader makes before it asks for the chunk. */
	public boolean mentions(byte[] marker) {
		return Bytes.contains(bytes, from, to, marker);
	}

	/**
	 * Whether its bytes contain {@code "usage"}: every reader of the usage (the answer's facts, OpenAI's usage chunk)
	 * asks this of every event, and the bytes are searched once.
	 */
	public boolean mentionsUsage() {
		if (usage == NOT_SEARCHED) {
			usage = mentions(USAGE) ? FOUND : ABSENT;
		}
		return usage == FOUND;
	}

	/**
	 * Whether a member whose name ends with {@code nameEnd} (such as {@code _reason"}) has a string value in it: OpenAI
	 * sends {@code "finish_reason":null} until a choice finishes.
	 */
	public boolean namesText(byte[] nameEnd) {
		for (int i = from; i <= to - nameEnd.length; i++) {
			if (bytes[i] != nameEnd[0] || !Arrays.equals(bytes, i, i + nameEnd.length, nameEnd, 0, nameEnd.length)) {
				continue;
			}
			int at = i + nameEnd.length;
			while (at < to && (bytes[at] == ' ' || bytes[at] == ':')) {
				at++;
			}
			if (at < to && bytes[at] == '"') {
				return true;
			}
		}
		return false;
	}

	/** Whether its data is {@code [DONE]}, the end of an OpenAI stream. */
	public boolean isDone() {
		if (!findData()) {
			return false;
		}
		byte[] data = joined != null ? joined : bytes;
		int start = dataFrom;
		int end = dataTo;
		while (start < end && isSpace(data[start])) {
			start++;
		}
		while (end > start && isSpace(data[end - 1])) {
			end--;
		}
		return Arrays.equals(data, start, end, DONE, 0, DONE.length);
	}

	/**
	 * The payload of its {@code data:} lines (joined with newlines, as the SSE spec does), in a copy; {@code null} when
	 * it has none.
	 */
	public byte @Nullable [] data() {
		if (!findData()) {
			return null;
		}
		return joined != null ? joined.clone() : Arrays.copyOfRange(bytes, dataFrom, dataTo);
	}

	/**
	 * Its data read as a chat completion chunk (or an Anthropic event): parsed on the first call, then kept;
	 * {@code null} when it has no data, or its data is not one JSON object.
	 */
	public @Nullable ChatChunk chunk() {
		if (!read) {
			read = true;
			chunk = parse();
		}
		return chunk;
	}

	private @Nullable ChatChunk parse() {
		if (!findData()) {
			return null;
		}
		byte[] data = joined != null ? joined : bytes;
		int start = dataFrom;
		while (start < dataTo && isSpace(data[start])) {
			start++;
		}
		if (start == dataTo || data[start] != '{') {
			return null; // [DONE], or not JSON: nothing to parse
		}
		try {
			return ChatChunk.read(data, dataFrom, dataTo - dataFrom);
		}
		catch (JacksonException ex) {
			return null; // not a chunk: nothing any reader can take from it
		}
	}

	/**
	 * The event with its data payload replaced and its other lines kept as they came, carrying {@code chunk} (a rewrite
	 * knows what it wrote, so no reader parses it again).
	 */
	public SseEvent withData(byte[] data, @Nullable ChatChunk chunk) {
		if (!findData() || joined != null) {
			byte[] event = new byte[DATA.length + 1 + data.length + 2];
			System.arraycopy(DATA, 0, event, 0, DATA.length);
			event[DATA.length] = ' ';
			System.arraycopy(data, 0, event, DATA.length + 1, data.length);
			event[event.length - 2] = '\n';
			event[event.length - 1] = '\n';
			return of(event, chunk);
		}
		byte[] event = new byte[length() - (dataTo - dataFrom) + data.length];
		System.arraycopy(bytes, from, event, 0, dataFrom - from);
		System.arraycopy(data, 0, event, dataFrom - from, data.length);
		System.arraycopy(bytes, dataTo, event, dataFrom - from + data.length, to - dataTo);
		return of(event, chunk);
	}

	byte[] array() {
		return bytes;
	}

	int from() {
		return from;
	}

	int to() {
		return to;
	}

	/** Finds the data payload once: the value of each {@code data:} line, after its one optional space. */
	private boolean findData() {
		if (dataFrom != UNKNOWN) {
			return dataFrom != NONE;
		}
		dataFrom = NONE;
		int line = from;
		while (line < to) {
			int end = line;
			while (end < to && bytes[end] != '\n') {
				end++;
			}
			int lineEnd = end > line && bytes[end - 1] == '\r' ? end - 1 : end;
			if (lineEnd - line >= DATA.length && Arrays.equals(bytes, line, line + DATA.length, DATA, 0, DATA.length)) {
				int value = lineEnd - line > DATA.length && bytes[line + DATA.length] == ' ' ? line + DATA.length + 1
						: line + DATA.length;
				if (dataFrom == NONE) {
					dataFrom = value;
					dataTo = lineEnd;
				}
				else { // rare: a payload on several data lines, joined with newlines
					byte[] before = joined != null ? joined : Arrays.copyOfRange(bytes, dataFrom, dataTo);
					byte[] more = Arrays.copyOf(before, before.length + 1 + lineEnd - value);
					more[before.length] = '\n';
					System.arraycopy(bytes, value, more, before.length + 1, lineEnd - value);
					joined = more;
					dataFrom = 0;
					dataTo = more.length;
				}
			}
			line = end + 1;
		}
		return dataFrom != NONE;
	}

	private static boolean isSpace(byte b) {
		return b == ' ' || b == '\t' || b == '\r' || b == '\n';
	}

	@Override
	public String toString() {
		return new String(bytes, from, to - from, StandardCharsets.UTF_8);
	}

}
