package dev.kimicode2api.agent;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

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
				"{\"model\":\"kimi-for-coding\",\"messages\":[],\"tools\":[" + UNTYPED_TOOL + "]}");
		assertThat(schema.statusCode()).isEqualTo(400);
		assertThat(schema.body()).contains("not a valid moonshot flavored json schema",
				"At path 'properties.position': type is not defined");

		HttpResponse<String> empty = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding\",\"messages\":" + EMPTY_CONTENT_HISTORY + "}");
		assertThat(empty.statusCode()).isEqualTo(400);
		assertThat(empty.body()).contains("text content is empty");
	}

}
