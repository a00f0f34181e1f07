package dev.kimicode2api.support;

import java.util.Iterator;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What Kimi For Coding refuses in a chat completion that other OpenAI-compatible upstreams accept, with Kimi's own
 * words (as its users report them): the fake upstream answers these with Kimi's 400, so a test passes only if the
 * gateway repaired the request.
 */
public final class KimiRules {

	private static final ObjectMapper JSON = new ObjectMapper();

	private KimiRules() {
	}

	/** Kimi's error message for the request, or {@code null} when Kimi would take it. */
	public static @Nullable String violation(byte[] body) {
		JsonNode request;
		try {
			request = JSON.readTree(body);
		}
		catch (JacksonException ex) {
			return null; // the gateway's own tests of bad bodies; Kimi's answer to those is not the point here
		}
		JsonNode thinking = request.path("thinking");
		boolean thinkingOn = thinking.isBoolean() && thinking.asBoolean()
				|| "enabled".equals(thinking.path("type").asString(null));
		JsonNode messages = request.path("messages");
		for (int i = 0; i < messages.size(); i++) {
			JsonNode message = messages.get(i);
			boolean toolCall = "assistant".equals(message.path("role").asString(null))
					&& message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty();
			if (!toolCall) {
				continue;
			}
			if (thinkingOn && message.path("reasoning_content").asString("").isBlank()) {
				return "thinking is enabled but reasoning_content is missing in assistant tool call message at index "
						+ i;
			}
			JsonNode content = message.get("content");
			if (content != null && (content.isString() && content.asString().isEmpty()
					|| content.isArray() && (content.isEmpty() || allTextEmpty(content)))) {
				return "text content is empty";
			}
		}
		for (JsonNode tool : request.path("tools")) {
			String path = untyped(tool.path("function").path("parameters"), "");
			if (path != null) {
				return "tools.function.parameters is not a valid moonshot flavored json schema, details: <At path '"
						+ path + "': type is not defined>";
			}
		}
		return null;
	}

	private static boolean allTextEmpty(JsonNode parts) {
		for (JsonNode part : parts) {
			if (!part.path("text").asString("").isEmpty()) {
				return false;
			}
		}
		return true;
	}

	/** The path of the first property schema without a type (combinators excepted), or null. */
	private static @Nullable String untyped(JsonNode schema, String path) {
		JsonNode properties = schema.path("properties");
		for (Iterator<Map.Entry<String, JsonNode>> it = properties.properties().iterator(); it.hasNext();) {
			Map.Entry<String, JsonNode> property = it.next();
			String at = (path.isEmpty() ? "" : path + ".") + "properties." + property.getKey();
			String found = property(property.getValue(), at);
			if (found != null) {
				return found;
			}
		}
		JsonNode items = schema.get("items");
		if (items != null && items.isObject()) {
			return property(items, (path.isEmpty() ? "" : path + ".") + "items");
		}
		return null;
	}

	private static @Nullable String property(JsonNode schema, String path) {
		if (!schema.isObject()) {
			return null;
		}
		if (!schema.has("type") && !schema.has("anyOf") && !schema.has("oneOf") && !schema.has("allOf")
				&& !schema.has("$ref")) {
			return path;
		}
		return untyped(schema, path);
	}

}
