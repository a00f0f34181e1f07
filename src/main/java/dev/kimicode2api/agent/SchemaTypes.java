package dev.kimicode2api.agent;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tool parameter schemas as Kimi takes them. Kimi refuses ("is not a valid moonshot flavored json schema") three
 * things standard JSON Schema allows and MCP servers and schema generators send, each repaired here at any depth below
 * the root (the root is a container and is not touched; every other keyword stays):
 * <ul>
 * <li>a property without {@code type} ("type is not defined"): filled as Kimi's own CLI fills it, from the values of
 * {@code enum}/{@code const}, from the structure ({@code properties} → object, {@code items} → array), else
 * {@code string}; a schema built from {@code anyOf}/{@code oneOf}/{@code allOf}/{@code $ref} declares its shape
 * without a type and is left as it is;</li>
 * <li>a {@code type} beside {@code anyOf} ("type should be defined in anyOf items instead of the parent schema"): moved
 * into each branch that has none (a branch that is a reference or a combination stays as it is); beside an empty
 * {@code anyOf}, the {@code anyOf} is dropped instead;</li>
 * <li>an empty {@code enum} ("enum array cannot be empty"), which no value could satisfy: dropped.</li>
 * </ul>
 */
final class SchemaTypes {

	/** The repairs to make. */
	record Switches(boolean types, boolean anyOfType, boolean emptyEnum) {

		boolean any() {
			return types || anyOfType || emptyEnum;
		}

	}

	/** What one schema needed, by kind. */
	record Repaired(int typesFilled, int anyOfTypesMoved, int emptyEnumsDropped) {

		boolean any() {
			return typesFilled + anyOfTypesMoved + emptyEnumsDropped > 0;
		}

	}

	private enum Type {

		BOOLEAN, INTEGER, NUMBER, STRING, NULL

	}

	private static final List<String> COMBINATORS = List.of("anyOf", "oneOf", "allOf", "$ref");

	private final Switches switches;

	private int typesFilled;

	private int anyOfTypesMoved;

	private int emptyEnumsDropped;

	private SchemaTypes(Switches switches) {
		this.switches = switches;
	}

	/** Repairs the schemas under {@code root} in place. */
	static Repaired repair(JsonNode root, Switches switches) {
		SchemaTypes pass = new SchemaTypes(switches);
		pass.children(root);
		return new Repaired(pass.typesFilled, pass.anyOfTypesMoved, pass.emptyEnumsDropped);
	}

	/** The property schemas a schema contains: properties, items, additionalProperties, combinator branches, defs. */
	private void children(JsonNode schema) {
		if (!(schema instanceof ObjectNode node)) {
			return;
		}
		for (String container : List.of("properties", "$defs", "definitions", "patternProperties")) {
			if (node.get(container) instanceof ObjectNode map) {
				for (Map.Entry<String, JsonNode> property : map.properties()) {
					property(property.getValue());
				}
			}
		}
		JsonNode items = node.get("items");
		if (items != null && items.isArray()) {
			for (JsonNode item : items) {
				property(item);
			}
		}
		else if (items != null) {
			property(items);
		}
		property(node.get("additionalProperties"));
		for (String combinator : List.of("anyOf", "oneOf", "allOf")) {
			JsonNode branches = node.get(combinator);
			if (branches != null && branches.isArray()) {
				for (JsonNode branch : branches) {
					property(branch);
				}
			}
		}
	}

	private void property(JsonNode schema) {
		if (!(schema instanceof ObjectNode node)) {
			return;
		}
		if (switches.emptyEnum() && node.get("enum") instanceof ArrayNode values && values.isEmpty()) {
			node.remove("enum");
			emptyEnumsDropped++;
		}
		if (switches.anyOfType() && node.has("type") && node.get("anyOf") instanceof ArrayNode branches) {
			if (branches.isEmpty()) {
				node.remove("anyOf"); // no branch to take the type, and none that a value could match: the type stays
			}
			else {
				JsonNode type = node.remove("type");
				for (JsonNode branch : branches) {
					if (branch instanceof ObjectNode typeless && !typeless.has("type") && !combined(typeless)) {
						typeless.set("type", type.deepCopy());
					}
				}
			}
			anyOfTypesMoved++;
		}
		if (switches.types() && !node.has("type") && !combined(node)) {
			node.put("type", inferred(node));
			typesFilled++;
		}
		children(node);
	}

	/** Built from other schemas ({@code anyOf}, {@code oneOf}, {@code allOf}, {@code $ref}): its shape is theirs. */
	private static boolean combined(ObjectNode node) {
		return COMBINATORS.stream().anyMatch(node::has);
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
