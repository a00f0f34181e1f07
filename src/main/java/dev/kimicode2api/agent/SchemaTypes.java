package dev.kimicode2api.agent;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kimi refuses a tool whose parameter schema has a property without {@code type} ("is not a valid moonshot flavored
 * json schema … type is not defined"), which standard JSON Schema allows and MCP servers often send. This fills the
 * missing {@code type} of every property schema, at any depth, as Kimi's own CLI does: from the values of
 * {@code enum}/{@code const}, from the structure ({@code properties} → object, {@code items} → array), else
 * {@code string}. A schema built from {@code anyOf}/{@code oneOf}/{@code allOf}/{@code $ref} declares its shape
 * without a type and is left as it is; the root is a container and is not touched; every other keyword stays.
 */
final class SchemaTypes {

	private enum Type {

		BOOLEAN, INTEGER, NUMBER, STRING, NULL

	}

	private static final List<String> COMBINATORS = List.of("anyOf", "oneOf", "allOf", "$ref");

	private SchemaTypes() {
	}

	/** Fills the missing types under {@code root}; returns how many it filled. */
	static int fill(JsonNode root) {
		return children(root);
	}

	/** The property schemas a schema contains: properties, items, additionalProperties, combinator branches, defs. */
	private static int children(JsonNode schema) {
		if (!(schema instanceof ObjectNode node)) {
			return 0;
		}
		int filled = 0;
		for (String container : List.of("properties", "$defs", "definitions", "patternProperties")) {
			if (node.get(container) instanceof ObjectNode map) {
				for (Map.Entry<String, JsonNode> property : map.properties()) {
					filled += property(property.getValue());
				}
			}
		}
		JsonNode items = node.get("items");
		if (items != null && items.isArray()) {
			for (JsonNode item : items) {
				filled += property(item);
			}
		}
		else if (items != null) {
			filled += property(items);
		}
		filled += property(node.get("additionalProperties"));
		for (String combinator : List.of("anyOf", "oneOf", "allOf")) {
			JsonNode branches = node.get(combinator);
			if (branches != null && branches.isArray()) {
				for (JsonNode branch : branches) {
					filled += property(branch);
				}
			}
		}
		return filled;
	}

	private static int property(JsonNode schema) {
		if (!(schema instanceof ObjectNode node)) {
			return 0;
		}
		int filled = 0;
		if (!node.has("type") && COMBINATORS.stream().noneMatch(node::has)) {
			node.put("type", inferred(node));
			filled++;
		}
		return filled + children(node);
	}

	private static String inferred(ObjectNode node) {
		JsonNode values = node.get("enum");
		if (values != null && values.isArray() && !values.isEmpty()) {
			return typeOf(values);
		}
		if (node.has("const")) {
			return typeOf(List.of(node.get("const")));
		}
		if (node.has("properties") || node.has("additionalProperties") || node.has("required")) {
			return "object";
		}
		if (node.has("items")) {
			return "array";
		}
		return "string"; // what Kimi's CLI assumes for a property that says nothing of its type
	}

	/** One type for all the values; integers with decimals make a number; any other mix, a string. */
	private static String typeOf(Iterable<JsonNode> values) {
		Set<Type> types = EnumSet.noneOf(Type.class);
		for (JsonNode value : values) {
			if (value.isBoolean()) {
				types.add(Type.BOOLEAN);
			}
			else if (value.isIntegralNumber()) {
				types.add(Type.INTEGER);
			}
			else if (value.isNumber()) {
				types.add(Type.NUMBER);
			}
			else if (value.isString()) {
				types.add(Type.STRING);
			}
			else if (value.isNull()) {
				types.add(Type.NULL);
			}
			else {
				return "string";
			}
		}
		if (types.size() == 1) {
			return types.iterator().next().name().toLowerCase(java.util.Locale.ROOT);
		}
		return types.equals(EnumSet.of(Type.INTEGER, Type.NUMBER)) ? "number" : "string";
	}

}
