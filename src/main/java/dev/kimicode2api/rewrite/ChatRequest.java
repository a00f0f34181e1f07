package dev.kimicode2api.rewrite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.wire.Bytes;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.Splice;
import dev.kimicode2api.wire.TopLevelJson;

/**
 * A chat-completions request body on its way upstream, parsed only as deep as a step asks: the top level once,
 * an array field's elements when a step lists them, an element's tree when a step reads it. Its bytes are spliced
 * from the original, so every byte no step changed (other messages, number spellings, escapes, key order) reaches
 * the upstream as the client sent it, and a request no step changed is the very same array.
 */
public final class ChatRequest {

	private final TopLevelJson json;

	private final Map<String, String> fields = new LinkedHashMap<>();

	private final Map<String, List<Element>> arrays = new HashMap<>();

	private final Map<String, Boolean> mentioned = new HashMap<>(4);

	private @Nullable ModelCapabilities capabilities;

	private @Nullable String switchText;

	private @Nullable Boolean switchValue;

	private ChatRequest(TopLevelJson json) {
		this.json = json;
	}

	/** @throws InvalidBodyException if the body is not one JSON object or its {@code model} is not a string */
	public static ChatRequest parse(byte[] body) {
		return new ChatRequest(TopLevelJson.parse(body));
	}

	public TopLevelJson topLevel() {
		return json;
	}

	/** The model as the client named it (before any {@link #set}). */
	public @Nullable String model() {
		return json.model();
	}

	public boolean stream() {
		return json.stream();
	}

	/** Sets a top-level field to the given JSON text (replacing its value, or appended). */
	public void set(String field, String jsonText) {
		fields.put(field, jsonText);
	}

	/** A top-level field's JSON text as it will be sent, or {@code null} when it is absent. */
	public @Nullable String text(String field) {
		return fields.containsKey(field) ? fields.get(field) : json.text(field);
	}

	/** A top-level field as a whole number as it will be sent, or {@code null} when absent or not a number. */
	public @Nullable Long longValue(String field) {
		String text = text(field);
		if (text == null) {
			return null;
		}
		try {
			return new java.math.BigDecimal(text.strip()).longValue();
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/** What the request's model accepts (the live catalogue's word, else the route's YAML), once known. */
	public @Nullable ModelCapabilities capabilities() {
		return capabilities;
	}

	public void capabilities(@Nullable ModelCapabilities capabilities) {
		this.capabilities = capabilities;
	}

	/**
	 * The thinking switch as the request will send it: {@code TRUE} for {@code true} (the 2025 form),
	 * {@code {"type":"enabled"}} or {@code {"type":"adaptive"}}; {@code FALSE} for {@code false} or
	 * {@code {"type":"disabled"}}; {@code null} when it says neither.
	 */
	public @Nullable Boolean thinkingSwitch() {
		String text = text("thinking");
		if (text == null) {
			return null;
		}
		if (!text.equals(switchText)) {
			switchText = text;
			switchValue = parseSwitch(text);
		}
		return switchValue;
	}

	private static @Nullable Boolean parseSwitch(String text) {
		if (text.equals("true") || text.equals("false")) {
			return Boolean.valueOf(text);
		}
		if (!text.startsWith("{")) {
			return null;
		}
		try {
			return switch (Json.EXACT_NUMBERS.readTree(text).path("type").asString("")) {
				case "enabled", "adaptive" -> Boolean.TRUE;
				case "disabled" -> Boolean.FALSE;
				default -> null;
			};
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	/**
	 * Whether the upstream will think on this request: its model always thinks (the catalogue's
	 * {@code supports_thinking_type: "only"}), or the request turns thinking on.
	 */
	public boolean thinking() {
		if (capabilities != null && capabilities.thinking() == ModelCapabilities.Thinking.ONLY) {
			return true;
		}
		return Boolean.TRUE.equals(thinkingSwitch());
	}

	/** Removes a top-level field from the body to send. */
	public void remove(String field) {
		fields.put(field, null);
	}

	/**
	 * A quick look at the raw bytes of a field's value, before deciding to parse it; each answer is kept, since
	 * several filters ask the same about a body that can be megabytes.
	 */
	public boolean mentions(String field, String marker) {
		return !fields.containsKey(field) && mentioned.computeIfAbsent(field + '\0' + marker,
				key -> json.mentions(field, marker.getBytes(StandardCharsets.UTF_8)));
	}

	/** The elements of a top-level array field ({@code messages}, {@code tools}); listed once, parsed on demand. */
	public List<Element> elements(String field) {
		return arrays.computeIfAbsent(field, name -> {
			List<Element> elements = new ArrayList<>();
			for (int[] span : json.elements(name)) {
				elements.add(new Element(json.bytes(), span[0], span[1]));
			}
			return elements;
		});
	}

	/** The body to send: the original bytes with every change spliced in. */
	public byte[] toBytes() {
		List<Splice> edits = new ArrayList<>();
		arrays.forEach((field, elements) -> {
			if (!fields.containsKey(field)) {
				for (Element element : elements) {
					if (element.changed) {
						edits.add(new Splice(element.start, element.end, Json.EXACT_NUMBERS.writeValueAsBytes(element.node)));
					}
				}
			}
		});
		return json.with(fields, edits);
	}

	/** One element of an array field: its tree is built on first use; {@link #changed()} marks it to be re-written. */
	public static final class Element {

		private final byte[] bytes;

		private final int start;

		private final int end;

		private @Nullable JsonNode node;

		private boolean changed;

		Element(byte[] bytes, int start, int end) {
			this.bytes = bytes;
			this.start = start;
			this.end = end;
		}

		/** Whether the element's raw bytes contain the ASCII text {@code marker}. */
		public boolean mentions(String marker) {
			return Bytes.contains(bytes, start, end, marker.getBytes(StandardCharsets.UTF_8));
		}

		public JsonNode node() {
			if (node == null) {
				node = Json.EXACT_NUMBERS.readTree(bytes, start, end - start);
			}
			return node;
		}

		/** The element's JSON as it will be sent: the client's bytes, or its tree once changed. */
		public byte[] bytes() {
			return changed ? Json.EXACT_NUMBERS.writeValueAsBytes(node) : java.util.Arrays.copyOfRange(bytes, start, end);
		}

		/** Marks the tree as changed: it replaces the element's bytes. */
		public void changed() {
			changed = true;
		}

	}

}
