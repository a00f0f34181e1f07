package dev.kimicode2api.agent;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.context.SpringBootTest;

import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.agent.KimiRepairsTest.EMPTY_CONTENT_HISTORY;
import static dev.kimicode2api.agent.KimiRepairsTest.UNTYPED_TOOL;
import static org.assertj.core.api.Assertions.assertThat;

/** kimi-chat restated with {@code KimiRepairs} switched off in YAML (and no ReasoningMemory): Kimi's own answer. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		args = "--spring.config.additional-location=classpath:routes/repairs-off.yml")
class KimiRepairsSwitchedOffTest extends GatewayTest {

	@Test
	void kimisRefusalReachesTheClient() throws Exception {
		HttpResponse<String> schema = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"find\"}],\"tools\":["
						+ UNTYPED_TOOL + "]}");
		assertThat(schema.statusCode()).isEqualTo(400);
		assertThat(schema.body()).contains("not a valid moonshot flavored json schema",
				"At path 'properties.position': type is not defined");

		// No ReasoningMemory on this route: the first thing Kimi refuses is the turn without its reasoning.
		HttpResponse<String> empty = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding\",\"messages\":" + EMPTY_CONTENT_HISTORY + "}");
		assertThat(empty.statusCode()).isEqualTo(400);
		assertThat(empty.body()).contains("reasoning_content is missing in assistant tool call message at index 1");
	}

	/** Each of today's adaptations switched off in YAML: the request goes as sent, and Kimi's refusal comes back. */
	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			"temperature":0                                                   | invalid temperature: only 1 is allowed for this model
			"top_p":0.5                                                       | invalid top_p: only 0.95 is allowed for this model
			"thinking":{"type":"disabled"}                                    | invalid thinking: only type=enabled is allowed for this model
			"reasoning_effort":"medium"                                       | does not support 'medium' with this model
			"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}] | tool_choice 'required' is incompatible with thinking enabled
			"messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}] | role 'developer' is not allowed
			"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"d":{"type":"string","anyOf":[{"format":"date"}]}}}}}] | At path 'properties.d': when using anyOf, type should be defined in anyOf items instead of the parent schema
			"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"m":{"type":"string","enum":[]}}}}}] | At path 'properties.m': enum array cannot be empty
			""")
	void eachAdaptationSwitchedOffLeavesTheRequestAsSent(String field, String refusal) throws Exception {
		String body = field.startsWith("\"messages\"") ? "{\"model\":\"kimi-for-coding\"," + field + "}"
				: "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + field + "}";

		HttpResponse<String> response = postJson("/v1/chat/completions", body);

		assertThat(upstream.takeRequest().bodyText()).isEqualTo(body);
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains(refusal);
	}

}
