package dev.kimicode2api;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.LogCapture;
import dev.kimicode2api.wire.LogSafe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The access line as one JSON object per request (KIMICODE_ACCESS_LOG_FORMAT=json), with no key in it. */
@TestPropertySource(properties = "KIMICODE_ACCESS_LOG_FORMAT=json")
class JsonAccessLogTest extends GatewayTest {

	/** The access line's format, for minimal bodies that today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}

	static final ObjectMapper JSON = new ObjectMapper();

	static final String PREFIX = "kimicode2api.access ";

	@Test
	void eachRequestLogsOneJsonObjectWithItsFieldsAndNoSecrets() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
				+ "\"completion_tokens\":7,\"total_tokens\":18}}"));
		LogCapture.clear();
		// A model name is the client's text: quotes, backslashes and line breaks must not break the line.
		String model = "odd \"model\" \\ with\nnewline";
		var response = postJson("/v1/chat/completions",
				"{\"model\":" + JSON.writeValueAsString(model) + ",\"messages\":[{\"role\":\"user\","
						+ "\"content\":\"my private prompt\"}]}",
				"Authorization", "Bearer sk-secret-json-log-key", "x-api-key", "sk-secret-other");
		assertThat(response.statusCode()).isEqualTo(200);

		JsonNode plain = accessLines(1).get(0);
		assertThat(fieldNames(plain)).containsExactly("method", "path", "route", "model", "stream", "status", "bytes",
				"duration_ms", "ttfb_ms", "prompt_tokens", "completion_tokens", "total_tokens", "repairs");
		assertThat(plain.get("method").asString()).isEqualTo("POST");
		assertThat(plain.get("path").asString()).isEqualTo("/v1/chat/completions");
		assertThat(plain.get("route").asString()).isEqualTo("kimi-chat");
		assertThat(plain.get("model").asString()).isEqualTo(model);
		assertThat(plain.get("stream").isBoolean()).isTrue();
		assertThat(plain.get("stream").asBoolean()).isFalse();
		assertThat(plain.get("status").asInt()).isEqualTo(200);
		assertThat(plain.get("bytes").asLong()).isEqualTo(response.body().length());
		assertThat(plain.get("duration_ms").isIntegralNumber()).isTrue();
		assertThat(plain.get("prompt_tokens").asLong()).isEqualTo(11);
		assertThat(plain.get("completion_tokens").asLong()).isEqualTo(7);
		assertThat(plain.get("total_tokens").asLong()).isEqualTo(18);

		upstream.respond(FakeUpstream.sse(List.of("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}",
				"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}",
				"data: [DONE]"), Duration.ofMillis(20)));
		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding-thinking\",\"stream\":true}", "Authorization",
				"Bearer sk-secret-json-log-key");
		JsonNode streamed = accessLines(1).get(0);
		assertThat(streamed.get("model").asString()).isEqualTo("kimi-for-coding-thinking");
		assertThat(streamed.get("stream").asBoolean()).isTrue();
		assertThat(streamed.get("ttfb_ms").isIntegralNumber()).as(streamed.toString()).isTrue();
		assertThat(streamed.get("total_tokens").asLong()).isEqualTo(7);

		// A local endpoint: no route, model, first byte or tokens, so those are null rather than missing.
		LogCapture.clear();
		http.send(request("/v1/models").header("Authorization", "Bearer sk-secret-json-log-key").GET().build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		JsonNode local = accessLines(1).get(0);
		assertThat(local.get("route").asString()).isEqualTo("local");
		for (String field : List.of("model", "ttfb_ms", "prompt_tokens", "completion_tokens", "total_tokens",
				"repairs")) {
			assertThat(local.get(field).isNull()).as(field + " in " + local).isTrue();
		}

		assertThat(LogCapture.lines()).noneMatch(l -> l.contains("sk-secret") || l.contains("private prompt"));
	}

	@Test
	void aClientsTextCannotForgeALineAndTheLineStaysValidJson() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"choices\":[]}"));
		// JSON string literals as the client sends them, and the model the log must show.
		String[][] models = { { JSON.writeValueAsString(LogForgingTest.FORGED_MODEL), LogForgingTest.FORGED_MODEL },
				{ "\"line\u2028sep\u2029para\u0085nel\u202eevil\"", "line\u2028sep\u2029para\u0085nel\u202eevil" },
				{ "\"\\ud800 lone \\udfff surrogates\"", "\ufffd lone \ufffd surrogates" },
				{ "\"\\\"quoted\\\" \\\\ \\u0000\\u001b[31m\"", "\"quoted\" \\ \u0000\u001b[31m" } };
		for (String[] model : models) {
			LogCapture.clear();
			postJson("/v1/chat/completions", "{\"model\":" + model[0] + ",\"messages\":[]}");
			String line = LogForgingTest.onlyAccessLine();
			assertThat(line.chars()).as(line).allMatch(c -> c >= 0x20 && c < 0x7f);
			JsonNode parsed = JSON.readTree(line.substring(PREFIX.length()));
			assertThat(parsed.get("model").asString()).isEqualTo(model[1]);
		}

		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":\"" + "\u00e9".repeat(10_000) + "\",\"messages\":[]}");
		JsonNode cut = JSON.readTree(LogForgingTest.onlyAccessLine().substring(PREFIX.length()));
		assertThat(cut.get("model").asString()).isEqualTo("\u00e9".repeat(LogSafe.MAX_LENGTH) + LogSafe.CUT);

		LogCapture.clear();
		get("/v1/models%0d%0aFAKE%20access%20line");
		JsonNode path = JSON.readTree(LogForgingTest.onlyAccessLine().substring(PREFIX.length()));
		assertThat(path.get("path").asString()).isEqualTo("/v1/models%0d%0aFAKE%20access%20line");
	}

	@Test
	void anUnknownFormatStopsTheStartUpNamingTheKey() {
		assertThatThrownBy(() -> SpringApplication.run(Kimicode2ApiApplication.class, "--server.port=0",
				"--spring.jmx.enabled=false", "--KIMI_API_BASE_URL=" + upstream.baseUrl(),
				"--kimicode.access-log.format=xml").close())
			.satisfies(e -> assertThat(messages(e)).contains("kimicode.access-log.format"));
	}

	private static String messages(Throwable e) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

	private static List<String> fieldNames(JsonNode node) {
		List<String> names = new java.util.ArrayList<>();
		node.propertyNames().forEach(names::add);
		return names;
	}

	/** Waits for {@code count} access lines and parses each as JSON (failing if one is not). */
	private static List<JsonNode> accessLines(int count) throws InterruptedException {
		List<String> lines = ChatCompletionsTest.waitForAccessLines(count);
		assertThat(lines).hasSize(count);
		return lines.stream().map(l -> JSON.readTree(l.substring(PREFIX.length()))).toList();
	}

}
