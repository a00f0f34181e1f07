package dev.kimicode2api.responses;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /v1/responses} over raw HTTP: what Kimi receives, the exact events of a stream, and bad input. */
class ResponsesBridgeTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void aPlainRequestBecomesAChatCompletionAndItsAnswerAResponse() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Hello!")));

		HttpResponse<String> response = postJson("/v1/responses?trace=1", """
				{"model":"kimi-for-coding","instructions":"Be terse.","input":[{"role":"developer","content":"No emoji."},\
				{"type":"message","role":"user","content":[{"type":"input_text","text":"Say"},{"type":"input_text","text":"hello"}]}],\
				"max_output_tokens":100,"temperature":0.2,"metadata":{"k":"v"}}""", "Authorization", "Bearer sk-resp-plain");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Received received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/chat/completions?trace=1");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-resp-plain");
		assertThat(JSON.readTree(received.body())).isEqualTo(JSON.readTree("""
				{"model":"kimi-for-coding","messages":[{"role":"system","content":"Be terse."},\
				{"role":"system","content":"No emoji."},{"role":"user","content":"Say\\n\\nhello"}],\
				"temperature":0.2,"max_tokens":100}"""));
		JsonNode body = JSON.readTree(response.body());
		assertThat(body.get("object").asString()).isEqualTo("response");
		assertThat(body.get("id").asString()).startsWith("resp_");
		assertThat(body.get("status").asString()).isEqualTo("completed");
		assertThat(body.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(body.at("/output/0/type").asString()).isEqualTo("message");
		assertThat(body.at("/output/0/content/0/text").asString()).isEqualTo("Hello!");
		assertThat(body.at("/usage/input_tokens").asInt()).isEqualTo(50);
		assertThat(body.at("/usage/output_tokens").asInt()).isEqualTo(5);
		assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(55);
		assertThat(body.at("/metadata/k").asString()).isEqualTo("v");
	}

	@Test
	void aStreamIsTranslatedEventByEventInTheResponsesOrder() throws Exception {
		List<String> events = new ArrayList<>(KimiWire.toolTurnStream(List.of("Think ", "hard."), "functions.ls:0", "ls",
				List.of("{\"dir\"", ":\".\"}")));
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(2)));

		HttpResponse<String> response = postJson("/v1/responses", """
				{"model":"kimi-for-coding-thinking","stream":true,"input":"List files",\
				"tools":[{"type":"function","name":"ls","parameters":{"type":"object","properties":{"dir":{"type":"string"}}}},\
				{"type":"web_search"}]}""", "Authorization", "Bearer sk-resp-stream");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("text/event-stream"));
		List<String> types = new ArrayList<>();
		List<JsonNode> data = new ArrayList<>();
		for (String event : response.body().split("\n\n")) {
			String[] lines = event.split("\n");
			assertThat(lines[0]).startsWith("event: ");
			JsonNode json = JSON.readTree(lines[1].substring("data: ".length()));
			assertThat(json.get("type").asString()).isEqualTo(lines[0].substring("event: ".length()));
			assertThat(json.get("sequence_number").asInt()).isEqualTo(types.size());
			types.add(json.get("type").asString());
			data.add(json);
		}
		assertThat(types).containsExactly("response.created", "response.in_progress",
				"response.output_item.added", "response.reasoning_summary_part.added",
				"response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
				"response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
				"response.output_item.done",
				"response.output_item.added", "response.function_call_arguments.delta",
				"response.function_call_arguments.delta", "response.function_call_arguments.done",
				"response.output_item.done", "response.completed");
		JsonNode completed = data.get(data.size() - 1).get("response");
		assertThat(completed.get("status").asString()).isEqualTo("completed");
		assertThat(completed.get("model").asString()).isEqualTo("kimi-for-coding-thinking");
		assertThat(completed.at("/output/0/type").asString()).isEqualTo("reasoning");
		assertThat(completed.at("/output/0/summary/0/text").asString()).isEqualTo("Think hard.");
		assertThat(completed.at("/output/0/content/0/text").asString()).isEqualTo("Think hard.");
		assertThat(completed.at("/output/1/type").asString()).isEqualTo("function_call");
		assertThat(completed.at("/output/1/call_id").asString()).isEqualTo("functions.ls:0");
		assertThat(completed.at("/output/1/name").asString()).isEqualTo("ls");
		assertThat(completed.at("/output/1/arguments").asString()).isEqualTo("{\"dir\":\".\"}");
		assertThat(completed.at("/usage/total_tokens").asInt()).isEqualTo(42);

		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(sent.get("thinking").asBoolean()).isTrue();
		assertThat(sent.get("stream_options").get("include_usage").asBoolean()).isTrue();
		assertThat(sent.get("tools")).hasSize(1);
		assertThat(sent.at("/tools/0/function/name").asString()).isEqualTo("ls");
	}

	@Test
	void badInputIsA400NamingTheParameter() throws Exception {
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":42}", "input");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":[{\"type\":\"file_search_call\",\"id\":\"x\"}]}",
				"input[0].type");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"tool_choice\":{\"type\":\"web_search_preview\"}}",
				"tool_choice");
		assertBadRequest("{\"input\":\"hi\"}", "model");
		assertThat(upstream.requestCount()).isZero();
	}

	private void assertBadRequest(String body, String param) throws Exception {
		HttpResponse<String> response = postJson("/v1/responses", body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		JsonNode error = JSON.readTree(response.body()).get("error");
		assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
		assertThat(error.get("param").asString()).isEqualTo(param);
		assertThat(error.get("message").asString()).contains(param);
	}

}
