package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;

import tools.jackson.databind.JsonNode;

import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.wire.Json;

/**
 * While a model thinks, Kimi refuses to be forced to call a tool ("tool_choice 'required' is incompatible with
 * thinking enabled", "'specified'"). {@code required} becomes {@code auto}; a named function becomes {@code auto}
 * with only that function left in {@code tools}, so structured-output clients (a named tool as the answer's schema)
 * still get their call: the model has no other tool to call.
 */
final class ForcedToolChoice {

	enum Outcome {

		UNCHANGED, REQUIRED, NAMED

	}

	private ForcedToolChoice() {
	}

	static Outcome apply(ChatRequest request) {
		String choice = request.text("tool_choice");
		if (choice == null) {
			return Outcome.UNCHANGED;
		}
		if (choice.equals("\"required\"")) {
			request.set("tool_choice", "\"auto\"");
			return Outcome.REQUIRED;
		}
		if (!choice.startsWith("{")) {
			return Outcome.UNCHANGED;
		}
		JsonNode named = Json.MAPPER.readTree(choice);
		String name = named.path("function").path("name").asString(null);
		if (!"function".equals(named.path("type").asString(null)) || name == null) {
			return Outcome.UNCHANGED;
		}
		request.set("tool_choice", "\"auto\"");
		StringBuilder only = new StringBuilder("[");
		for (ChatRequest.Element tool : request.elements("tools")) {
			if (name.equals(tool.node().path("function").path("name").asString(null))) {
				only.append(only.length() > 1 ? "," : "").append(new String(tool.bytes(), StandardCharsets.UTF_8));
			}
		}
		if (only.length() > 1) {
			request.set("tools", only.append(']').toString());
		}
		return Outcome.NAMED;
	}

}
