package dev.kimicode2api.agent;

import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.TopLevelJson;

/**
 * A reasoning effort the model does not declare ({@code reasoning_effort: "medium"}, Kimi: "does not support
 * 'medium' with this model") becomes the nearest one it declares at or above it, else its highest; {@code none} and
 * {@code minimal} turn thinking off where the model allows it, else take its lowest effort. Both forms are read:
 * OpenAI's {@code reasoning_effort} and the {@code effort} inside {@code thinking} that Kimi's own client sends.
 */
final class EffortMapping {

	/** Effort names from least to most, as OpenAI and Kimi use them. */
	private static final List<String> SCALE = List.of("none", "minimal", "low", "medium", "high", "xhigh", "max");

	enum Outcome {

		UNCHANGED, MAPPED, THINKING_OFF

	}

	private EffortMapping() {
	}

	static Outcome apply(ChatRequest request, ModelCapabilities model) {
		List<String> efforts = model.efforts();
		if (efforts.isEmpty()) {
			return Outcome.UNCHANGED;
		}
		String topLevel = stringValue(request.text("reasoning_effort"));
		ObjectNode thinking = thinkingObject(request.text("thinking"));
		String inThinking = thinking == null ? null : thinking.path("effort").asString(null);
		String asked = topLevel != null ? topLevel : inThinking;
		if (asked == null || efforts.contains(asked) || !SCALE.contains(asked)) {
			return Outcome.UNCHANGED; // an effort nobody knows is the upstream's to refuse, with its own words
		}
		int rank = SCALE.indexOf(asked);
		if (rank <= SCALE.indexOf("minimal") && model.thinking() == ModelCapabilities.Thinking.BOTH) {
			request.remove("reasoning_effort");
			request.set("thinking", "{\"type\":\"disabled\"}");
			return Outcome.THINKING_OFF;
		}
		String mapped = efforts.get(efforts.size() - 1);
		for (String effort : efforts) {
			if (SCALE.indexOf(effort) >= rank) {
				mapped = effort;
				break;
			}
		}
		if (rank <= SCALE.indexOf("minimal")) {
			mapped = efforts.get(0); // cannot stop thinking: as little of it as the model takes
		}
		if (topLevel != null) {
			request.set("reasoning_effort", TopLevelJson.quote(mapped));
		}
		if (inThinking != null) {
			thinking.put("effort", mapped);
			request.set("thinking", Json.MAPPER.writeValueAsString(thinking));
		}
		return Outcome.MAPPED;
	}

	private static @Nullable String stringValue(@Nullable String json) {
		if (json == null || !json.startsWith("\"")) {
			return null;
		}
		JsonNode node = Json.MAPPER.readTree(json);
		return node.asString(null);
	}

	private static @Nullable ObjectNode thinkingObject(@Nullable String json) {
		return json != null && json.startsWith("{") && Json.MAPPER.readTree(json) instanceof ObjectNode node ? node
				: null;
	}

}
