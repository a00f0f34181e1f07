package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/** The error body every client of this gateway parses: {@code {"error":{"message":…,"type":…}}}. */
public final class OpenAiError {

	public static final String INVALID_REQUEST = "invalid_request_error";

	public static final String UPSTREAM = "upstream_error";

	public static final String PROXY = "proxy_error";

	private OpenAiError() {
	}

	public static byte[] body(String type, String message) {
		return body(type, message, null, null);
	}

	/** With OpenAI's {@code param} and {@code code} where they are known. */
	public static byte[] body(String type, String message, @Nullable String param, @Nullable String code) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("message", message);
		error.put("type", type);
		if (param != null) {
			error.put("param", param);
		}
		if (code != null) {
			error.put("code", code);
		}
		return Json.MAPPER.writeValueAsString(Map.of("error", error)).getBytes(StandardCharsets.UTF_8);
	}

}
