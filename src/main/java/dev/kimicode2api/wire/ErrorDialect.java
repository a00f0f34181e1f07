package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatusCode;

/**
 * The error shape a route's clients parse, a per-route setting ({@code metadata.error-dialect}). Failures are
 * classified once, with OpenAI's types ({@link OpenAiError}); each dialect renders them in its own words.
 */
public enum ErrorDialect {

	/** {@code {"error":{"message":…,"type":…}}}, and a final {@code data:} event on a broken stream. */
	OPENAI {
		@Override
		public byte[] body(HttpStatusCode status, String type, String message) {
			return OpenAiError.body(type, message);
		}

		@Override
		public boolean isOwnShape(JsonNode json) {
			return json.path("error").isObject() && json.path("error").path("message").isString();
		}

		@Override
		public byte[] streamError(String message) {
			return concat("data: ", body(HttpStatusCode.valueOf(502), OpenAiError.PROXY, message));
		}
	},

	/**
	 * Anthropic's {@code {"type":"error","error":{"type":…,"message":…}}}, typed by status as the Anthropic API does,
	 * and an {@code event: error} on a broken stream.
	 */
	ANTHROPIC {
		@Override
		public byte[] body(HttpStatusCode status, String type, String message) {
			return Json.MAPPER.writeValueAsBytes(Map.of("type", "error", "error",
					Map.of("type", anthropicType(status.value()), "message", message)));
		}

		@Override
		public boolean isOwnShape(JsonNode json) {
			return "error".equals(json.path("type").asString(null)) && json.path("error").isObject()
					&& json.path("error").path("message").isString();
		}

		@Override
		public byte[] streamError(String message) {
			return concat("event: error\ndata: ", body(HttpStatusCode.valueOf(502), OpenAiError.PROXY, message));
		}
	};

	/** The body of an error answer; {@code type} is one of {@link OpenAiError}'s. */
	public abstract byte[] body(HttpStatusCode status, String type, String message);

	/** The same with OpenAI's {@code param} and {@code code}, which only the OpenAI shape has. */
	public byte[] body(HttpStatusCode status, String type, String message, @Nullable String param,
			@Nullable String code) {
		return this == OPENAI ? OpenAiError.body(type, message, param, code) : body(status, type, message);
	}

	/** Whether an upstream's error body is already in this dialect (then it reaches the client as it is). */
	public abstract boolean isOwnShape(JsonNode json);

	/** The last SSE event of a stream the upstream broke off: a complete event, blank line included. */
	public abstract byte[] streamError(String message);

	static String anthropicType(int status) {
		return switch (status) {
			case 401 -> "authentication_error";
			case 403 -> "permission_error";
			case 404 -> "not_found_error";
			case 413 -> "request_too_large";
			case 429 -> "rate_limit_error";
			case 529 -> "overloaded_error";
			default -> status >= 500 ? "api_error" : "invalid_request_error";
		};
	}

	private static byte[] concat(String prefix, byte[] json) {
		byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
		byte[] event = new byte[head.length + json.length + 2];
		System.arraycopy(head, 0, event, 0, head.length);
		System.arraycopy(json, 0, event, head.length, json.length);
		event[event.length - 2] = '\n';
		event[event.length - 1] = '\n';
		return event;
	}

}
