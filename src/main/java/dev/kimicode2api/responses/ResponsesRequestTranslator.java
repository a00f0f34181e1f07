package dev.kimicode2api.responses;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.Json;

/**
 * A Responses request as a chat-completions request: {@code instructions} and {@code input} items become
 * {@code messages}, Responses tools become chat functions, and the settings that have a chat equivalent are carried
 * over (see the README's table). Bad input is a 400 that names the parameter.
 */
final class ResponsesRequestTranslator {

	/** Separates a namespace from its function in the chat function's name. */
	static final String NAMESPACE_SEPARATOR = "__";

	private final BridgeContext context;

	private final Consumer<String> droppedTool;

	private final ObjectNode chat = Json.MAPPER.createObjectNode();

	private final ArrayNode messages = Json.MAPPER.createArrayNode();

	/** The assistant message that following function calls join, until another kind of item closes it. */
	private @Nullable ObjectNode assistant;

	private @Nullable String pendingReasoning;

	private ResponsesRequestTranslator(BridgeContext context, Consumer<String> droppedTool) {
		this.context = context;
		this.droppedTool = droppedTool;
	}

	/**
	 * The Responses request in a client's body: one JSON object that names its model.
	 *
	 * @throws InvalidBodyException if the body is not one JSON object
	 * @throws ApiException if it names no model
	 */
	static JsonNode read(byte[] body) {
		JsonNode request;
		try {
			request = Json.MAPPER.readTree(body);
		}
		catch (JacksonException ex) {
			throw new InvalidBodyException("The request body is not valid JSON: " + ex.getOriginalMessage());
		}
		if (!request.isObject()) {
			throw new InvalidBodyException("The request body must be a JSON object");
		}
		if (!request.path("model").isString()) {
			throw ApiException.invalid("model", "Missing required parameter: 'model'.");
		}
		return request;
	}

	/**
	 * The chat request for {@code request}, after {@code previous} (the stored conversation a
	 * {@code previous_response_id} names; empty otherwise). {@code context.conversation} is set to the new
	 * conversation, without the instructions.
	 *
	 * @param droppedTool told the type of each built-in tool left out
	 */
	static ObjectNode translate(JsonNode request, ArrayNode previous, BridgeContext context,
			Consumer<String> droppedTool) {
		try {
			return new ResponsesRequestTranslator(context, droppedTool).run(request, previous);
		}
		catch (JacksonException ex) {
			// a value of a type the translator does not expect somewhere in the client's items
			throw new InvalidBodyException("The request could not be read as a Responses request: "
					+ ex.getOriginalMessage());
		}
	}

	private ObjectNode run(JsonNode request, ArrayNode previous) {
		if (request.hasNonNull("conversation")) {
			// Its items live in OpenAI's Conversations API, which no chat upstream has: the turn would lose its history.
			throw ApiException.invalid("conversation", "'conversation' is not supported by this gateway: send the"
					+ " whole history in 'input', or continue with 'previous_response_id'.");
		}
		chat.put("model", context.model);
		String instructions = optionalString(request, "instructions");
		messages.addAll(previous); // freshly read from the store: nothing else holds it
		JsonNode input = request.get("input");
		if (input == null || input.isNull()) {
			throw ApiException.invalid("input", "Missing required parameter: 'input'.");
		}
		if (input.isString()) {
			messages.addObject().put("role", "user").put("content", input.asString());
		}
		else if (input.isArray()) {
			for (int i = 0; i < input.size(); i++) {
				item(input.get(i), "input[" + i + "]");
			}
		}
		else {
			throw ApiException.invalid("input", "Invalid type for 'input': expected a string or an array of input"
					+ " items, but got " + kind(input) + ".");
		}
		// Shared, not copied: nothing changes these nodes once the chat request is written.
		context.conversation = messages;
		ArrayNode all = chat.putArray("messages");
		if (instructions != null && !instructions.isEmpty()) {
			all.addObject().put("role", "system").put("content", instructions);
		}
		all.addAll(messages);
		tools(request.get("tools"));
		toolChoice(request.get("tool_choice"));
		copy(request, "parallel_tool_calls", "parallel_tool_calls");
		copy(request, "temperature", "temperature");
		copy(request, "top_p", "top_p");
		copy(request, "max_output_tokens", "max_tokens");
		copy(request, "user", "user");
		JsonNode effort = request.path("reasoning").get("effort");
		if (effort != null && effort.isString()) {
			chat.put("reasoning_effort", effort.asString()); // the route's repairs fit it to the model's efforts
		}
		textFormat(request.path("text").get("format"));
		if (context.stream) {
			chat.put("stream", true);
			chat.putObject("stream_options").put("include_usage", true);
		}
		return chat;
	}

	private void item(JsonNode item, String param) {
		if (!item.isObject()) {
			throw ApiException.invalid(param, "Invalid type for '" + param + "': expected an input item object, but got "
					+ kind(item) + ".");
		}
		String type = item.hasNonNull("type") ? item.get("type").asString("") : item.has("role") ? "message" : "";
		switch (type) {
			case "message" -> message(item, param);
			case "function_call" -> toolCall(item, param, false);
			case "custom_tool_call" -> toolCall(item, param, true);
			case "function_call_output", "custom_tool_call_output" -> toolOutput(item, param);
			case "reasoning" -> reasoning(item);
			case "" -> throw ApiException.invalid(param + ".type", "Missing required parameter: '" + param + ".type'.");
			default -> throw ApiException.invalid(param + ".type", "Invalid value for '" + param + ".type': '" + type
					+ "' is not an input item type this gateway can send to a chat-completions upstream (message,"
					+ " function_call, function_call_output, custom_tool_call, custom_tool_call_output, reasoning).");
		}
	}

	private void message(JsonNode item, String param) {
		String role = item.path("role").asString("");
		JsonNode content = item.get("content");
		if (role.equals("assistant")) {
			ObjectNode message = openAssistant(true);
			String text = text(content, param + ".content");
			if (!text.isEmpty()) {
				message.put("content", text);
			}
			return;
		}
		if (!Set.of("user", "system", "developer").contains(role)) {
			throw ApiException.invalid(param + ".role", "Invalid value for '" + param + ".role': '" + role
					+ "'; expected user, system, developer or assistant.");
		}
		assistant = null;
		ObjectNode message = messages.addObject().put("role", role.equals("developer") ? "system" : role);
		message.set("content", content(content, param + ".content"));
	}

	private void toolCall(JsonNode item, String param, boolean custom) {
		String callId = requiredString(item, "call_id", param);
		String name = requiredString(item, "name", param);
		String namespace = optionalString(item, "namespace");
		String arguments = custom ? Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode()
			.put("input", item.path("input").asString(""))) : item.path("arguments").asString("{}");
		ObjectNode call = openAssistant(false).withArray("tool_calls").addObject();
		call.put("id", callId);
		call.put("type", "function");
		call.putObject("function")
			.put("name", namespace == null ? name : namespace + NAMESPACE_SEPARATOR + name)
			.put("arguments", arguments);
	}

	private void toolOutput(JsonNode item, String param) {
		assistant = null;
		String callId = requiredString(item, "call_id", param);
		JsonNode output = item.get("output");
		ObjectNode message = messages.addObject().put("role", "tool").put("tool_call_id", callId);
		if (output == null || output.isString()) {
			message.put("content", output == null ? "" : output.asString());
		}
		else {
			JsonNode content = content(output, param + ".output");
			if (content.isArray() && !hasText(content)) {
				// Kimi refuses a tool result without any text (e.g. only the image Codex's view_image returns).
				((ArrayNode) content).insert(0, Json.MAPPER.createObjectNode().put("type", "text")
					.put("text", "The tool returned non-text content."));
			}
			message.set("content", content);
		}
	}

	private void reasoning(JsonNode item) {
		assistant = null;
		String text = null;
		String sealed = optionalString(item, "encrypted_content");
		ReasoningSeal seal = sealed == null ? null : context.seal();
		if (seal != null) {
			text = seal.open(sealed);
		}
		if (text == null) {
			text = joinedTexts(item.get("content"));
		}
		if (text == null || text.isEmpty()) {
			text = joinedTexts(item.get("summary"));
		}
		if (text != null && !text.isEmpty()) {
			pendingReasoning = pendingReasoning == null ? text : pendingReasoning + "\n\n" + text;
		}
	}

	/** The open assistant message, or a new one (which takes the pending reasoning). */
	private ObjectNode openAssistant(boolean newTurnText) {
		if (assistant == null || newTurnText && assistant.has("content")) {
			assistant = messages.addObject().put("role", "assistant");
			if (pendingReasoning != null) {
				assistant.put("reasoning_content", pendingReasoning);
				pendingReasoning = null;
			}
		}
		return assistant;
	}

	/** Message content for a user or system message: text joined into a string, or parts when there are images. */
	private static JsonNode content(@Nullable JsonNode content, String param) {
		if (content == null || content.isNull()) {
			return Json.MAPPER.getNodeFactory().stringNode("");
		}
		if (content.isString()) {
			return content;
		}
		if (!content.isArray()) {
			throw ApiException.invalid(param, "Invalid type for '" + param + "': expected a string or an array of"
					+ " content parts, but got " + kind(content) + ".");
		}
		ArrayNode parts = Json.MAPPER.createArrayNode();
		boolean onlyText = true;
		for (int j = 0; j < content.size(); j++) {
			JsonNode part = content.get(j);
			String type = part.path("type").asString("");
			switch (type) {
				case "input_text", "output_text", "text", "summary_text", "reasoning_text" ->
					parts.addObject().put("type", "text").put("text", part.path("text").asString(""));
				case "refusal" -> parts.addObject().put("type", "text").put("text", part.path("refusal").asString(""));
				case "input_image" -> {
					String url = optionalString(part, "image_url");
					if (url == null) {
						throw ApiException.invalid(param + "[" + j + "].image_url", "Only images given by 'image_url'"
								+ " (a URL or a data: URL) can be sent to a chat-completions upstream, not 'file_id'.");
					}
					ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
					String detail = stringOrNull(part, "detail", param + "[" + j + "]");
					if (detail != null) {
						image.put("detail", detail);
					}
					onlyText = false;
				}
				default -> throw ApiException.invalid(param + "[" + j + "].type", "Invalid value for '" + param + "["
						+ j + "].type': '" + type + "' content cannot be sent to a chat-completions upstream"
						+ " (input_text, output_text, input_image).");
			}
		}
		if (!onlyText) {
			return parts;
		}
		List<String> texts = new ArrayList<>();
		parts.forEach(part -> texts.add(part.path("text").asString()));
		return Json.MAPPER.getNodeFactory().stringNode(String.join("\n\n", texts));
	}

	private static String text(@Nullable JsonNode content, String param) {
		JsonNode joined = content(content, param);
		if (!joined.isString()) {
			throw ApiException.invalid(param, "An assistant message can only carry text.");
		}
		return joined.asString();
	}

	private static boolean hasText(JsonNode parts) {
		for (JsonNode part : parts) {
			if ("text".equals(part.path("type").asString(null))) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable String joinedTexts(@Nullable JsonNode parts) {
		if (parts == null || !parts.isArray() || parts.isEmpty()) {
			return null;
		}
		List<String> texts = new ArrayList<>();
		parts.forEach(part -> texts.add(part.path("text").asString("")));
		return String.join("\n\n", texts);
	}

	private void tools(@Nullable JsonNode tools) {
		if (tools == null || tools.isNull()) {
			return;
		}
		if (!tools.isArray()) {
			throw ApiException.invalid("tools", "Invalid type for 'tools': expected an array of tools.");
		}
		ArrayNode functions = Json.MAPPER.createArrayNode();
		Set<String> dropped = new LinkedHashSet<>();
		for (int i = 0; i < tools.size(); i++) {
			JsonNode tool = tools.get(i);
			String type = tool.path("type").asString("");
			switch (type) {
				case "function" -> functions.add(function(tool, null, "tools[" + i + "]"));
				case "custom" -> {
					String name = requiredString(tool, "name", "tools[" + i + "]");
					functions.add(customFunction(tool, name, "tools[" + i + "]"));
					context.tools.put(name, new BridgeContext.ToolOrigin(true, null, name));
				}
				case "namespace" -> {
					String namespace = requiredString(tool, "name", "tools[" + i + "]");
					JsonNode inner = tool.path("tools");
					if (!inner.isArray()) {
						throw ApiException.invalid("tools[" + i + "].tools", "Invalid type for 'tools[" + i
								+ "].tools': expected an array of function tools.");
					}
					for (int j = 0; j < inner.size(); j++) {
						if ("function".equals(inner.get(j).path("type").asString(""))) {
							functions.add(function(inner.get(j), namespace, "tools[" + i + "].tools[" + j + "]"));
						}
					}
				}
				default -> dropped.add(type);
			}
		}
		dropped.forEach(droppedTool);
		if (!functions.isEmpty()) {
			chat.set("tools", functions);
		}
	}

	private ObjectNode function(JsonNode tool, @Nullable String namespace, String param) {
		String name = requiredString(tool, "name", param);
		String chatName = namespace == null ? name : namespace + NAMESPACE_SEPARATOR + name;
		if (namespace != null) {
			context.tools.put(chatName, new BridgeContext.ToolOrigin(false, namespace, name));
		}
		ObjectNode function = Json.MAPPER.createObjectNode().put("type", "function");
		ObjectNode definition = function.putObject("function").put("name", chatName);
		String description = stringOrNull(tool, "description", param);
		if (description != null) {
			definition.put("description", description);
		}
		JsonNode parameters = tool.get("parameters");
		if (parameters != null && parameters.isObject()) {
			definition.set("parameters", parameters);
		}
		else {
			definition.putObject("parameters").put("type", "object").putObject("properties");
		}
		return function;
	}

	/** A freeform (custom) tool as a function with one string argument, its grammar in the description. */
	private static ObjectNode customFunction(JsonNode tool, String name, String param) {
		String text = stringOrNull(tool, "description", param);
		StringBuilder description = new StringBuilder(text == null ? "" : text);
		JsonNode format = tool.path("format");
		if ("grammar".equals(format.path("type").asString(""))) {
			description.append(description.isEmpty() ? "" : "\n\n").append("The input must follow this ")
				.append(format.path("syntax").asString("")).append(" grammar:\n")
				.append(format.path("definition").asString(""));
		}
		ObjectNode function = Json.MAPPER.createObjectNode().put("type", "function");
		ObjectNode definition = function.putObject("function").put("name", name);
		definition.put("description", description.toString());
		ObjectNode parameters = definition.putObject("parameters").put("type", "object");
		parameters.putObject("properties").putObject("input").put("type", "string")
			.put("description", "The tool's whole input as raw text (not JSON).");
		parameters.putArray("required").add("input");
		return function;
	}

	private void toolChoice(@Nullable JsonNode choice) {
		if (choice == null || choice.isNull()) {
			return;
		}
		if (choice.isString()) {
			chat.put("tool_choice", choice.asString());
			return;
		}
		String type = choice.path("type").asString("");
		switch (type) {
			case "function", "custom" -> chat.putObject("tool_choice").put("type", "function").putObject("function")
				.put("name", requiredString(choice, "name", "tool_choice"));
			case "allowed_tools" -> chat.put("tool_choice", choice.path("mode").asString("auto"));
			default -> throw ApiException.invalid("tool_choice", LeftOutTools.BUILT_IN.contains(type)
					? "Invalid value for 'tool_choice': '" + type + "' is a built-in tool, which the upstream of this"
							+ " gateway cannot run."
					: "Invalid value for 'tool_choice': unknown type '" + type + "'.");
		}
	}

	private void textFormat(@Nullable JsonNode format) {
		if (format == null || format.isNull()) {
			return;
		}
		String type = format.path("type").asString("");
		switch (type) {
			case "text" -> {
			}
			case "json_object" -> chat.putObject("response_format").put("type", "json_object");
			case "json_schema" -> {
				ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
				schema.put("name", requiredString(format, "name", "text.format"));
				for (String field : List.of("description", "schema", "strict")) {
					if (format.has(field)) {
						schema.set(field, format.get(field));
					}
				}
			}
			default -> throw ApiException.invalid("text.format.type", "Invalid value for 'text.format.type': '" + type
					+ "'; expected text, json_object or json_schema.");
		}
	}

	private void copy(JsonNode request, String from, String to) {
		JsonNode value = request.get(from);
		if (value != null && !value.isNull()) {
			chat.set(to, value);
		}
	}

	private static String requiredString(JsonNode node, String field, String param) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString()) {
			throw ApiException.invalid(param + "." + field, "Missing required parameter: '" + param + "." + field + "'.");
		}
		return value.asString();
	}

	/** An optional string field: {@code null} when absent or null, a 400 naming it when it is not a string. */
	private static @Nullable String stringOrNull(JsonNode node, String field, String param) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw ApiException.invalid(param + "." + field, "Invalid type for '" + param + "." + field
					+ "': expected a string, but got " + kind(value) + " instead.");
		}
		return value.asString();
	}

	static @Nullable String optionalString(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return value != null && value.isString() ? value.asString() : null;
	}

	private static String kind(JsonNode node) {
		return node.isObject() ? "an object" : node.isArray() ? "an array" : node.isNumber() ? "a number"
				: node.isBoolean() ? "a boolean" : node.isNull() ? "null" : "a string";
	}

}
