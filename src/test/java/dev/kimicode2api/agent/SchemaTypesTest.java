package dev.kimicode2api.agent;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** Missing property types filled as Kimi's own client fills them, at any depth, and nothing else touched. */
class SchemaTypesTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void eachUntypedPropertyGetsATypeFromItsValuesOrItsShapeElseString() {
		JsonNode schema = JSON.readTree("""
				{"type":"object","properties":{
				 "mode":{"enum":["fast","full"]},"level":{"enum":[1,2]},"ratio":{"enum":[1,2.5]},"mixed":{"enum":[1,"a"]},
				 "flag":{"const":true},"nothing":{"const":null},"path":{"description":"A path"},
				 "options":{"properties":{"deep":{"enum":[0.5]}}},"list":{"items":{"description":"x"}},
				 "map":{"additionalProperties":{"enum":["a"]}},"keep":{"type":"integer"}}}""");

		int filled = SchemaTypes.fill(schema);

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

		int filled = SchemaTypes.fill(schema);

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
		assertThat(SchemaTypes.fill(schema)).isZero();
		assertThat(schema.toString()).isEqualTo(before);
		assertThat(SchemaTypes.fill(JSON.readTree("true"))).isZero();
	}

	private static String type(JsonNode properties, String name) {
		return properties.get(name).path("type").asString(null);
	}

}
