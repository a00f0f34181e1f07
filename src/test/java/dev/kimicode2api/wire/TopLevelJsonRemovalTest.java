package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Removing top-level fields splices out each member with exactly one comma, whatever members go or stay. */
class TopLevelJsonRemovalTest {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			{"a":1,"b":2,"c":3}           | a     | {"b":2,"c":3}
			{"a":1,"b":2,"c":3}           | b     | {"a":1,"c":3}
			{"a":1,"b":2,"c":3}           | c     | {"a":1,"b":2}
			{"a":1,"b":2,"c":3}           | a,b   | {"c":3}
			{"a":1,"b":2,"c":3}           | b,c   | {"a":1}
			{"a":1,"b":2,"c":3}           | a,c   | {"b":2}
			{"a":1,"b":2,"c":3}           | a,b,c | {}
			{ "a" : 1 , "b" : [2] }       | b     | { "a" : 1 }
			{ "a" : 1 , "b" : [2] }       | a     | { "b" : [2] }
			{"a":1,"b":2,"a":3}           | a     | {"b":2}
			""")
	void removesMembersWithOneCommaEach(String json, String removed, String expected) {
		Map<String, String> fields = new LinkedHashMap<>();
		for (String name : removed.split(",")) {
			fields.put(name, null);
		}
		assertThat(new String(TopLevelJson.parse(bytes(json)).with(fields, List.of()), StandardCharsets.UTF_8))
			.isEqualTo(expected);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			{"a":1,"b":2}                 | {"c":3}
			{"a":1}                       | {"a":1,"c":3}
			""")
	void removingEveryMemberThenAppendingLeavesNoStrayComma(String json, String expected) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("b", null);
		if (json.contains("\"a\":1,\"b\"")) {
			fields.put("a", null);
		}
		fields.put("c", "3");
		assertThat(new String(TopLevelJson.parse(bytes(json)).with(fields, List.of()), StandardCharsets.UTF_8))
			.isEqualTo(expected);
	}

	private static byte[] bytes(String json) {
		return json.getBytes(StandardCharsets.UTF_8);
	}

}
