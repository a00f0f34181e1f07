package dev.kimicode2api.errors;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import tools.jackson.databind.ObjectMapper;

/** The error body every client of this gateway parses: {@code {"error":{"message":…,"type":…}}}. */
public final class OpenAiError {

	public static final String INVALID_REQUEST = "invalid_request_error";

	public static final String UPSTREAM = "upstream_error";

	public static final String PROXY = "proxy_error";

	private static final ObjectMapper JSON = new ObjectMapper();

	private OpenAiError() {
	}

	public static byte[] body(String type, String message) {
		return JSON.writeValueAsString(Map.of("error", Map.of("message", message, "type", type)))
			.getBytes(StandardCharsets.UTF_8);
	}

}
