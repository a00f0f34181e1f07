package dev.kimicode2api.responses;

/**
 * Decodes, as its text arrives in fragments, the string value of the one field of a JSON object such as
 * {@code {"input":"*** Begin Patch\n…"}}: what a freeform (custom) tool's input looks like inside the chat
 * function's arguments, so its raw input can be streamed as it is written. Escapes split across fragments are
 * carried over; anything it does not understand simply ends the decoding (the complete value is taken from the
 * whole arguments at the end anyway).
 */
final class IncrementalJsonString {

	private enum State {

		BEFORE_VALUE, IN_VALUE, DONE

	}

	private State state = State.BEFORE_VALUE;

	private boolean afterColon;

	private final StringBuilder escape = new StringBuilder();

	/** The decoded characters of the value that this fragment completes. */
	String accept(String fragment) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < fragment.length() && state != State.DONE; i++) {
			char c = fragment.charAt(i);
			if (state == State.BEFORE_VALUE) {
				// skip '{', the key, ':' and whitespace; the value starts at the first quote after the colon
				if (c == ':') {
					afterColon = true;
				}
				else if (c == '"' && afterColon) {
					state = State.IN_VALUE;
				}
				continue;
			}
			if (!escape.isEmpty()) {
				escape.append(c);
				decodeEscape(out);
			}
			else if (c == '\\') {
				escape.append(c);
			}
			else if (c == '"') {
				state = State.DONE;
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	private void decodeEscape(StringBuilder out) {
		char kind = escape.charAt(1);
		if (kind == 'u') {
			if (escape.length() < 6) {
				return;
			}
			try {
				out.append((char) Integer.parseInt(escape.substring(2, 6), 16));
			}
			catch (NumberFormatException ex) {
				state = State.DONE;
			}
		}
		else {
			switch (kind) {
				case 'n' -> out.append('\n');
				case 't' -> out.append('\t');
				case 'r' -> out.append('\r');
				case 'b' -> out.append('\b');
				case 'f' -> out.append('\f');
				default -> out.append(kind); // \" \\ \/
			}
		}
		escape.setLength(0);
	}

}
