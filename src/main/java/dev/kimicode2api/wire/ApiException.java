package dev.kimicode2api.wire;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * A client mistake the gateway answers itself, in OpenAI's full error shape: the status, the message, and the
 * {@code param} it concerns and a {@code code} where OpenAI gives them (e.g. {@code previous_response_not_found}).
 */
public class ApiException extends RuntimeException {

	private final HttpStatus status;

	private final @Nullable String param;

	private final @Nullable String code;

	public ApiException(HttpStatus status, String message, @Nullable String param, @Nullable String code) {
		super(message, null, false, false);
		this.status = status;
		this.param = param;
		this.code = code;
	}

	/** A 400 about one parameter of the request. */
	public static ApiException invalid(String param, String message) {
		return new ApiException(HttpStatus.BAD_REQUEST, message, param, null);
	}

	public HttpStatus status() {
		return status;
	}

	public @Nullable String param() {
		return param;
	}

	public @Nullable String code() {
		return code;
	}

}
