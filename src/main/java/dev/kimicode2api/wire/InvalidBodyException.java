package dev.kimicode2api.wire;

/** The request body is not a JSON object the gateway can route; the client gets a 400 with this message. */
public class InvalidBodyException extends RuntimeException {

	public InvalidBodyException(String message) {
		super(message, null, false, false);
	}

}
