package dev.kimicode2api.agent;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;
import dev.kimicode2api.support.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests Kimi refuses though other OpenAI upstreams take them (the fake upstream refuses them as Kimi does):
 * repaired on kimi-chat, and refused by Kimi when a route switches the repair off in YAML.
 */
class KimiRepairsTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	/** An MCP-style tool whose property schemas often say nothing of their type, at several depths. */
	static final String UNTYPED_TOOL = """
			{"type":"function","function":{"name":"jetbrains_find","description":"Find in the IDE","parameters":{"type":"object","properties":{\
			"position":{"enum":["START","MIDDLE","END"],"description":"where"},\
			"limit":{"enum":[1,2,5],"default":1},\
			"ratio":{"enum":[1,2.5]},\
			"exact":{"const":true},\
			"query":{"description":"free text","minLength":1},\
			"options":{"properties":{"depth":{"description":"how deep"},"tags":{"items":{"enum":["a","b"]}}},"required":["depth"]},\
			"either":{"anyOf":[{"type":"string"},{"description":"a number, typeless"}]}},\
			"required":["query"],"additionalProperties":false}}}""";

	/** Expected after the repair: every property typed, every other keyword as it was. */
	static final String REPAIRED_PARAMETERS = """
			{"type":"object","properties":{\
			"position":{"enum":["START","MIDDLE","END"],"description":"where","type":"string"},\
			"limit":{"enum":[1,2,5],"default":1,"type":"integer"},\
			"ratio":{"enum":[1,2.5],"type":"number"},\
			"exact":{"const":true,"type":"boolean"},\
			"query":{"description":"free text","minLength":1,"type":"string"},\
			"options":{"properties":{"depth":{"description":"how deep","type":"string"},"tags":{"items":{"enum":["a","b"],"type":"string"},"type":"array"}},"required":["depth"],"type":"object"},\
			"either":{"anyOf":[{"type":"string"},{"description":"a number, typeless","type":"string"}]}},\
			"required":["query"],"additionalProperties":false}""";

	static final String TYPED_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"read\",\"parameters\":{\"type\":"
			+ "\"object\",\"properties\":{\"path\":{\"type\":\"string\",  \"description\":\"caf\\u00e9\"}}}}}";

	static final String EMPTY_CONTENT_HISTORY = "[{\"role\":\"user\",\"content\":\"list\"},"
			+ "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
			+ "\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]},"
			+ "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"a.txt\"},"
			+ "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"\"}],\"tool_calls\":[{\"id\":\"call_2\","
			+ "\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"a.txt\\\"}\"}}]},"
			+ "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"\\u00e9t\\u00e9  1e2\"}]";

	@Test
	void untypedPropertySchemasGetATypeAndEverythingElseArrivesAsSent() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("found")));
		String body = "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"find x \\u00e9\"}],"
				+ "\"tools\":[" + TYPED_TOOL + "," + UNTYPED_TOOL + "],\"user\":\"dev\\u00e9\"}";
		double before = metric("kimicode2api_repairs_total{kind=\"schema_type\",route=\"kimi-chat\"}");
		LogCapture.clear();

		HttpResponse<String> response = postJson("/v1/chat/completions", body, "Authorization", "Bearer sk-repair");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		byte[] sent = upstream.takeRequest().body();
		JsonNode tools = JSON.readTree(sent).get("tools");
		assertThat(tools.get(1).at("/function/parameters")).isEqualTo(JSON.readTree(REPAIRED_PARAMETERS));
		assertThat(tools.get(1).at("/function/name").asString()).isEqualTo("jetbrains_find");
		// Only the repaired tool is re-written: the rest of the body, the other tool included, is the client's bytes.
		String text = new String(sent, StandardCharsets.UTF_8);
		assertThat(text).startsWith("{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":"
				+ "\"find x \\u00e9\"}],\"tools\":[" + TYPED_TOOL + ",").endsWith("],\"user\":\"dev\\u00e9\"}");
		assertThat(metric("kimicode2api_repairs_total{kind=\"schema_type\",route=\"kimi-chat\"}") - before)
			.isEqualTo(10);
		assertThat(LogCapture.accessLines(1)).anyMatch(line -> line.contains("repairs=schema_type:10"));
	}

	/** A generator's tool: a type beside anyOf (an optional date) and an enum left empty (no choices configured). */
	static final String GENERATED_TOOL = """
			{"type":"function","function":{"name":"plan","parameters":{"type":"object","properties":{\
			"due":{"type":"string","description":"when","anyOf":[{"format":"date"},{"type":"null"}]},\
			"board":{"type":"string","enum":[]}},"required":["due"]}}}""";

	@Test
	void aTypeBesideAnyOfAndAnEmptyEnumAreRepairedAndCountedEachAsItsOwnKind() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("planned")));
		String body = "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"plan\"}],"
				+ "\"tools\":[" + GENERATED_TOOL + "]}";
		double moved = metric("kimicode2api_repairs_total{kind=\"schema_any_of_type\",route=\"kimi-chat\"}");
		double dropped = metric("kimicode2api_repairs_total{kind=\"schema_empty_enum\",route=\"kimi-chat\"}");
		LogCapture.clear();

		HttpResponse<String> response = postJson("/v1/chat/completions", body, "Authorization", "Bearer sk-schema");

		// Accepted by the fake, which refuses both as Kimi does (KimiRepairsSwitchedOffTest shows the refusals).
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode parameters = JSON.readTree(upstream.takeRequest().body()).at("/tools/0/function/parameters");
		assertThat(parameters).isEqualTo(JSON.readTree("""
				{"type":"object","properties":{\
				"due":{"description":"when","anyOf":[{"format":"date","type":"string"},{"type":"null"}]},\
				"board":{"type":"string"}},"required":["due"]}"""));
		assertThat(metric("kimicode2api_repairs_total{kind=\"schema_any_of_type\",route=\"kimi-chat\"}") - moved)
			.isEqualTo(1);
		assertThat(metric("kimicode2api_repairs_total{kind=\"schema_empty_enum\",route=\"kimi-chat\"}") - dropped)
			.isEqualTo(1);
		assertThat(LogCapture.accessLines(1))
			.anyMatch(line -> line.contains("schema_any_of_type:1") && line.contains("schema_empty_enum:1"));
	}

	@Test
	void emptyContentOnAssistantToolCallMessagesIsDropped() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("done")));
		String body = "{\"model\":\"kimi-for-coding\",\"messages\":" + EMPTY_CONTENT_HISTORY + "}";

		HttpResponse<String> response = postJson("/v1/chat/completions", body);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		byte[] sent = upstream.takeRequest().body();
		JsonNode messages = JSON.readTree(sent).get("messages");
		assertThat(messages.get(1).has("content")).isFalse();
		assertThat(messages.get(3).has("content")).isFalse();
		JsonNode expected = JSON.readTree(EMPTY_CONTENT_HISTORY);
		// kimi-for-coding always thinks: the turns without their reasoning get the placeholder too (ReasoningMemory)
		((tools.jackson.databind.node.ObjectNode) expected.get(1)).remove("content");
		((tools.jackson.databind.node.ObjectNode) expected.get(1)).put("reasoning_content", "[reasoning unavailable]");
		((tools.jackson.databind.node.ObjectNode) expected.get(3)).remove("content");
		((tools.jackson.databind.node.ObjectNode) expected.get(3)).put("reasoning_content", "[reasoning unavailable]");
		assertThat(messages).isEqualTo(expected);
		// The tool results, untouched, keep the client's spelling.
		assertThat(new String(sent, StandardCharsets.UTF_8))
			.contains("{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"\\u00e9t\\u00e9  1e2\"}");
	}

}
