package dev.kimicode2api.support;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What Kimi For Coding refuses in a request that other OpenAI-compatible upstreams accept, with Kimi's own words
 * ({@code ../shared/kimi-today.md}, each rule with its source): the fake upstream answers these with Kimi's 400, so a
 * test passes only if the gateway adapted the request. Kimi checks in order and reports the first failing rule only.
 *
 * <p>{@link Era#TODAY} is Kimi as observed in 2026: {@code kimi-for-coding} always thinks, sampling is locked while
 * thinking, {@code developer} messages, forced tools and unknown efforts are refused. {@link Era#Y2025} is Kimi as the
 * seed knew it: one model, thinking only when the request says {@code thinking: true}.
 */
public final class KimiRules {

	public enum Era {

		TODAY, Y2025

	}

	private static final ObjectMapper JSON = new ObjectMapper();

	/** Models that always think ({@code supports_thinking_type: "only"}), legacy ids among them. */
	static final Set<String> ALWAYS_THINKING = Set.of("kimi-for-coding", "kimi-for-coding-highspeed", "k2p5", "k2p6",
			"kimi-k2-thinking", "kimi-k2.5");

	static final List<String> EFFORTS = List.of("low", "high", "max");

	private KimiRules() {
	}

	/** Kimi's message for a chat completion it refuses, or {@code null} when it takes it. */
	public static @Nullable String violation(byte[] body, Era era) {
		JsonNode request;
		try {
			request = JSON.readTree(body);
		}
		catch (JacksonException ex) {
			return null; // the gateway's own tests of bad bodies; Kimi's answer to those is not the point here
		}
		return era == Era.TODAY ? today(request, false) : y2025(request);
	}

	/** Kimi's message for an Anthropic Messages request it refuses (today's rules only), or {@code null}. */
	public static @Nullable String messagesViolation(byte[] body) {
		try {
			return today(JSON.readTree(body), true);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	/** Whether a request to this model thinks, as Kimi decides it today. */
	static boolean thinks(JsonNode request) {
		JsonNode thinking = request.path("thinking");
		String model = request.path("model").asString("");
		if (ALWAYS_THINKING.contains(model)) {
			return true;
		}
		return thinking.isBoolean() && thinking.asBoolean()
				|| Set.of("enabled", "adaptive").contains(thinking.path("type").asString(""));
	}

	private static @Nullable String today(JsonNode request, boolean anthropic) {
		JsonNode messages = request.path("messages");
		if (!messages.isArray() || messages.isEmpty()) {
			return "Invalid request: messages must not be empty";
		}
		for (JsonNode message : messages) {
			if ("developer".equals(message.path("role").asString(null))) {
				return "Invalid request: role 'developer' is not allowed";
			}
		}
		if (request.path("temperature").isNumber() && request.path("temperature").asDouble() > 1) {
			return "temperature must not be greater than 1.000000";
		}
		String model = request.path("model").asString("");
		JsonNode thinking = request.path("thinking");
		boolean disabled = thinking.isBoolean() && !thinking.asBoolean()
				|| "disabled".equals(thinking.path("type").asString(null));
		if (ALWAYS_THINKING.contains(model) && disabled) {
			return "invalid thinking: only type=enabled is allowed for this model";
		}
		boolean thinks = thinks(request);
		if (thinks) {
			if (request.path("temperature").isNumber() && request.path("temperature").asDouble() != 1) {
				return "invalid temperature: only 1 is allowed for this model";
			}
			if (request.path("top_p").isNumber() && request.path("top_p").asDouble() != 0.95) {
				return "invalid top_p: only 0.95 is allowed for this model";
			}
			if (request.path("n").isNumber() && request.path("n").asInt() != 1) {
				return "invalid n: only 1 is allowed for this model";
			}
			for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
				if (request.path(penalty).isNumber() && request.path(penalty).asDouble() != 0) {
					return "invalid " + penalty + ": only 0 is allowed for this model";
				}
			}
			if (request.path("logprobs").asBoolean(false)) {
				return "invalid logprobs: only false is allowed for this model";
			}
			JsonNode choice = request.path("tool_choice");
			if (!anthropic && "required".equals(choice.asString(null))) {
				return "tool_choice 'required' is incompatible with thinking enabled";
			}
			if (!anthropic && choice.isObject() || anthropic && Set.of("any", "tool").contains(choice.path("type").asString(""))) {
				return "tool_choice 'specified' is incompatible with thinking enabled";
			}
		}
		String effort = request.hasNonNull("reasoning_effort") ? request.path("reasoning_effort").asString("")
				: thinking.path("effort").asString(request.path("output_config").path("effort").asString(null));
		if (effort != null && !EFFORTS.contains(effort)) {
			return "Unsupported value: 'reasoning_effort' does not support '" + effort + "' with this model."
					+ " Supported values are: 'low', 'high', and 'max'.";
		}
		if (!anthropic) {
			String missing = missingReasoning(messages, thinks);
			if (missing != null) {
				return missing;
			}
		}
		String content = emptyToolCallContent(messages);
		if (content != null) {
			return content;
		}
		return anthropic ? null : tools(request.path("tools"));
	}

	private static @Nullable String y2025(JsonNode request) {
		JsonNode thinking = request.path("thinking");
		boolean thinkingOn = thinking.isBoolean() && thinking.asBoolean()
				|| "enabled".equals(thinking.path("type").asString(null));
		JsonNode messages = request.path("messages");
		String missing = missingReasoning(messages, thinkingOn);
		if (missing != null) {
			return missing;
		}
		String content = emptyToolCallContent(messages);
		return content != null ? content : tools(request.path("tools"));
	}

	private static @Nullable String missingReasoning(JsonNode messages, boolean thinks) {
		for (int i = 0; i < messages.size(); i++) {
			if (thinks && toolCall(messages.get(i)) && messages.get(i).path("reasoning_content").asString("").isBlank()) {
				return "thinking is enabled but reasoning_content is missing in assistant tool call message at index "
						+ i;
			}
		}
		return null;
	}

	private static @Nullable String emptyToolCallContent(JsonNode messages) {
		for (JsonNode message : messages) {
			JsonNode content = message.get("content");
			if (toolCall(message) && content != null && (content.isString() && content.asString().isEmpty()
					|| content.isArray() && (content.isEmpty() || allTextEmpty(content)))) {
				return "text content is empty";
			}
		}
		return null;
	}

	private static boolean toolCall(JsonNode message) {
		return "assistant".equals(message.path("role").asString(null)) && message.path("tool_calls").isArray()
				&& !message.path("tool_calls").isEmpty();
	}

	private static @Nullable String tools(JsonNode tools) {
		for (JsonNode tool : tools) {
			String name = tool.path("function").path("name").asString("");
			if (!name.isEmpty() && !Character.isLetter(name.charAt(0))) {
				return "Invalid request: function name is invalid, must start with a letter and can contain letters,"
						+ " numbers, underscores, and dashes";
			}
			String problem = schema(tool.path("function").path("parameters"), "");
			if (problem != null) {
				return "Invalid request: tools.function.parameters is not a valid moonshot flavored json schema,"
						+ " details: <" + problem + ">";
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

	/** The first problem under a schema's properties and items, as Kimi words it, or null. */
	private static @Nullable String schema(JsonNode schema, String path) {
		JsonNode properties = schema.path("properties");
		for (Iterator<Map.Entry<String, JsonNode>> it = properties.properties().iterator(); it.hasNext();) {
			Map.Entry<String, JsonNode> property = it.next();
			String found = property(property.getValue(), (path.isEmpty() ? "" : path + ".") + "properties."
					+ property.getKey());
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
		boolean combined = schema.has("anyOf") || schema.has("oneOf") || schema.has("allOf") || schema.has("$ref");
		if (!schema.has("type") && !combined) {
			return "At path '" + path + "': type is not defined";
		}
		if (schema.has("type") && schema.path("anyOf").isArray()) {
			return "At path '" + path + "': when using anyOf, type should be defined in anyOf items instead of the"
					+ " parent schema";
		}
		if (schema.path("enum").isArray() && schema.path("enum").isEmpty()) {
			return "At path '" + path + "': enum array cannot be empty";
		}
		JsonNode branches = schema.path("anyOf");
		for (int i = 0; i < branches.size(); i++) {
			String found = property(branches.get(i), path + ".anyOf." + i);
			if (found != null) {
				return found;
			}
		}
		return schema(schema, path);
	}

}
