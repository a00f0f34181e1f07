package dev.kimicode2api.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What a model accepts, as its upstream declares it in its catalogue ({@code GET <base>/v1/models}) or a route
 * declares it in YAML: whether it thinks, which efforts it takes, its context length, and the catalogue entry to list
 * in {@code /v1/models} as the upstream wrote it (UIs read {@code context_length} and {@code display_name}).
 *
 * @param listed whether {@code /v1/models} lists it (legacy ids Kimi still answers are not)
 */
public record ModelCapabilities(String id, Thinking thinking, List<String> efforts, @Nullable String defaultEffort,
		@Nullable Long contextLength, boolean listed, Map<String, Object> entry) {

	/** Kimi's {@code supports_thinking_type}. */
	public enum Thinking {

		/** Always thinks; thinking cannot be turned off. */
		ONLY,

		/** Thinks when the request turns thinking on. */
		BOTH,

		/** Never thinks. */
		NO;

		static Thinking parse(String value) {
			String name = value.trim().toUpperCase(Locale.ROOT);
			return valueOf(name.equals("FALSE") ? "NO" : name); // YAML reads an unquoted no as false
		}

	}

	public ModelCapabilities {
		efforts = List.copyOf(efforts);
		entry = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entry));
	}

	/** Whether requests to it can think (a derived {@code -thinking-inline} model makes sense). */
	public boolean canThink() {
		return thinking != Thinking.NO;
	}

	/**
	 * One entry of an upstream catalogue's {@code data}: {@code supports_thinking_type} ({@code only}, {@code both},
	 * {@code no}; older answers only say {@code supports_reasoning}), efforts from {@code think_efforts} (newer) or
	 * {@code support_efforts}/{@code default_effort} (older). {@code null} for an entry without an id.
	 */
	public static @Nullable ModelCapabilities fromCatalogue(JsonNode model, Map<String, Object> entry) {
		String id = model.path("id").asString(null);
		if (id == null || id.isBlank()) {
			return null;
		}
		Thinking thinking;
		try {
			thinking = model.path("supports_thinking_type").isString()
					? Thinking.parse(model.get("supports_thinking_type").asString())
					: model.path("supports_reasoning").asBoolean(false) ? Thinking.BOTH : Thinking.NO;
		}
		catch (IllegalArgumentException ex) {
			thinking = model.path("supports_reasoning").asBoolean(false) ? Thinking.BOTH : Thinking.NO;
		}
		JsonNode efforts = model.path("think_efforts");
		List<String> valid = new ArrayList<>();
		String defaultEffort;
		if (efforts.isObject()) {
			efforts.path("valid_efforts").forEach(effort -> valid.add(effort.asString("")));
			defaultEffort = efforts.path("default_effort").asString(null);
		}
		else {
			model.path("support_efforts").forEach(effort -> valid.add(effort.asString("")));
			defaultEffort = model.path("default_effort").asString(null);
		}
		valid.removeIf(String::isBlank);
		Long context = model.path("context_length").isIntegralNumber() ? model.get("context_length").asLong() : null;
		return new ModelCapabilities(id, thinking, valid, defaultEffort, context, true, entry);
	}

	/** The catalogue entry of a model declared in YAML, with Kimi's field names. */
	static Map<String, Object> entryOf(String id, @Nullable String displayName, @Nullable Long contextLength,
			Thinking thinking, List<String> efforts, @Nullable String defaultEffort) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("id", id);
		entry.put("object", "model");
		if (displayName != null) {
			entry.put("display_name", displayName);
		}
		if (contextLength != null) {
			entry.put("context_length", contextLength);
		}
		entry.put("supports_reasoning", thinking != Thinking.NO);
		entry.put("supports_thinking_type", thinking.name().toLowerCase(Locale.ROOT));
		if (!efforts.isEmpty()) {
			Map<String, Object> thinkEfforts = new LinkedHashMap<>();
			thinkEfforts.put("support", true);
			thinkEfforts.put("valid_efforts", efforts);
			if (defaultEffort != null) {
				thinkEfforts.put("default_effort", defaultEffort);
			}
			entry.put("think_efforts", thinkEfforts);
		}
		return entry;
	}

}
