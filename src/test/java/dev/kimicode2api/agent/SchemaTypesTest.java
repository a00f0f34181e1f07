package dev.kimicode2api.agent;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** Missing property types filled as Kimi's own client fills them, at any depth, and nothing else touched. */
class SchemaTypesTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final SchemaTypes.Switches ALL = new SchemaTypes.Switches(true, true, true);

	@Test
	void eachUntypedPropertyGetsATypeFromItsValuesOrItsShapeElseString() {
		JsonNode schema = JSON.readTree("""
				{"type":"object","properties":{
				 "mode":{"enum":["fast","full"]},"level":{"enum":[1,2]},"ratio":{"enum":[1,2.5]},"mixed":{"enum":[1,"a"]},
				 "flag":{"const":true},"nothing":{"const":null},"path":{"description":"A path"},
				 "options":{"properties":{"deep":{"enum":[0.5]}}},"list":{"items":{"description":"x"}},
				 "map":{"additionalProperties":{"enum":["a"]}},"keep":{"type":"integer"}}}""");

		int filled = SchemaTypes.repair(schema, ALL).typesFilled();

		JsonNode properties = schema.get("properties");
		assertThat(type(properties, "mode")).isEqualTo("string");
		assertThat(type(properties, "level")).isEqualTo("integer");
		assertThat(type(properties, "ratio")).isEqualTo("number");
		assertThat(type(properties, "mixed")).isEqualTo("string");
		assertThat(type(properties, "flag")).isEqualTo("boolean");
		assertThat(type(properties, "nothing")).isEqualTo("null");
		assertThat(type(properties, "path")).isEqualTo("string");
		assertThat(type(properties, "options")).isEqualTo("object");
		assertThat(properties.at("/options/properties/deep/type").asString()).isEqualTo("number");
		assertThat(type(properties, "list")).isEqualTo("array");
		assertThat(properties.at("/list/items/type").asString()).isEqualTo("string");
		assertThat(type(properties, "map")).isEqualTo("object");
		assertThat(properties.at("/map/additionalProperties/type").asString()).isEqualTo("string");
		assertThat(type(properties, "keep")).isEqualTo("integer");
		assertThat(filled).isEqualTo(13);
		assertThat(properties.get("path").get("description").asString()).isEqualTo("A path"); // other keywords stay
	}

	@Test
	void schemasBuiltFromCombinatorsOrReferencesStayAsTheyAreButTheirBranchesAreFilled() {
		JsonNode schema = JSON.readTree("""
				{"properties":{"either":{"anyOf":[{"enum":["a"]},{"type":"integer"}]},"ref":{"$ref":"#/$defs/T"},
				 "all":{"allOf":[{"description":"d"}]}},"$defs":{"T":{"properties":{"x":{}}}}}""");

		int filled = SchemaTypes.repair(schema, ALL).typesFilled();

		assertThat(schema.at("/properties/either").has("type")).isFalse();
		assertThat(schema.at("/properties/either/anyOf/0/type").asString()).isEqualTo("string");
		assertThat(schema.at("/properties/ref").has("type")).isFalse();
		assertThat(schema.at("/properties/all/allOf/0/type").asString()).isEqualTo("string");
		assertThat(schema.at("/$defs/T/type").asString()).isEqualTo("object");
		assertThat(schema.at("/$defs/T/properties/x/type").asString()).isEqualTo("string");
		assertThat(schema.has("type")).isFalse(); // the root is a container, not a property
		assertThat(filled).isEqualTo(4);
	}

	@Test
	void aCompleteSchemaOrOneThatIsNotAnObjectIsLeftAlone() {
		JsonNode schema = JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
				+ "\"b\":{\"type\":\"array\",\"items\":[{\"type\":\"integer\"}]}}}");
		String before = schema.toString();
		assertThat(SchemaTypes.repair(schema, ALL).any()).isFalse();
		assertThat(schema.toString()).isEqualTo(before);
		assertThat(SchemaTypes.repair(JSON.readTree("true"), ALL).any()).isFalse();
	}

	@Test
	void aTypeBesideAnyOfMovesIntoItsBranchesAndAnEmptyEnumIsDropped() {
		JsonNode schema = JSON.readTree("""
				{"type":"object","anyOf":[{"required":["a"]}],"properties":{
				 "when":{"type":"string","description":"d","anyOf":[{"format":"date"},{"type":"null"},{"$ref":"#/$defs/D"}]},
				 "mode":{"enum":[],"description":"none yet"},"level":{"type":"integer","enum":[]},
				 "deep":{"properties":{"x":{"type":["number","null"],"anyOf":[{"minimum":0}]}}}}}""");

		SchemaTypes.Repaired repaired = SchemaTypes.repair(schema, ALL);

		JsonNode when = schema.at("/properties/when");
		assertThat(when.has("type")).isFalse();
		assertThat(when.get("description").asString()).isEqualTo("d");
		assertThat(when.at("/anyOf/0")).isEqualTo(JSON.readTree("{\"format\":\"date\",\"type\":\"string\"}"));
		assertThat(when.at("/anyOf/1")).isEqualTo(JSON.readTree("{\"type\":\"null\"}")); // its own type stays
		assertThat(when.at("/anyOf/2")).isEqualTo(JSON.readTree("{\"$ref\":\"#/$defs/D\"}")); // a reference stays
		assertThat(schema.at("/properties/deep/properties/x/anyOf/0"))
			.isEqualTo(JSON.readTree("{\"minimum\":0,\"type\":[\"number\",\"null\"]}"));
		assertThat(schema.at("/properties/mode")).isEqualTo(JSON.readTree("{\"description\":\"none yet\",\"type\":\"string\"}"));
		assertThat(schema.at("/properties/level")).isEqualTo(JSON.readTree("{\"type\":\"integer\"}"));
		// The root keeps its type beside anyOf (it is a container, which Kimi does not check); its branch is a
		// schema like any other and gets the type it lacks.
		assertThat(schema.get("type").asString()).isEqualTo("object");
		assertThat(schema.at("/anyOf/0/type").asString()).isEqualTo("object");
		assertThat(repaired).isEqualTo(new SchemaTypes.Repaired(3, 2, 2)); // mode, deep and the root's branch typed
	}

	@Test
	void eachRepairHasItsOwnSwitch() {
		String text = """
				{"properties":{"a":{"description":"typeless"},"b":{"type":"string","anyOf":[{"format":"date"}]},
				 "c":{"type":"string","enum":[]}}}""";
		JsonNode none = JSON.readTree(text);
		assertThat(SchemaTypes.repair(none, new SchemaTypes.Switches(false, false, false)).any()).isFalse();
		assertThat(none).isEqualTo(JSON.readTree(text));

		JsonNode onlyAnyOf = JSON.readTree(text);
		assertThat(SchemaTypes.repair(onlyAnyOf, new SchemaTypes.Switches(false, true, false)))
			.isEqualTo(new SchemaTypes.Repaired(0, 1, 0));
		assertThat(onlyAnyOf.at("/properties/a").has("type")).isFalse();
		assertThat(onlyAnyOf.at("/properties/b/anyOf/0/type").asString()).isEqualTo("string");
		assertThat(onlyAnyOf.at("/properties/c/enum").isEmpty()).isTrue();

		JsonNode emptyAnyOf = JSON.readTree("{\"properties\":{\"e\":{\"type\":\"string\",\"anyOf\":[]}}}");
		assertThat(SchemaTypes.repair(emptyAnyOf, new SchemaTypes.Switches(false, true, false)))
			.isEqualTo(new SchemaTypes.Repaired(0, 1, 0));
		assertThat(emptyAnyOf.at("/properties/e")).isEqualTo(JSON.readTree("{\"type\":\"string\"}"));

		JsonNode onlyEnum = JSON.readTree(text);
		assertThat(SchemaTypes.repair(onlyEnum, new SchemaTypes.Switches(false, false, true)))
			.isEqualTo(new SchemaTypes.Repaired(0, 0, 1));
		assertThat(onlyEnum.at("/properties/c")).isEqualTo(JSON.readTree("{\"type\":\"string\"}"));
		assertThat(onlyEnum.at("/properties/b").has("type")).isTrue();
	}

	private static String type(JsonNode properties, String name) {
		return properties.get(name).path("type").asString(null);
	}

}
