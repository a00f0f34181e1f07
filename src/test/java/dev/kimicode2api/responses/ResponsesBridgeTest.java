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
import dev.kimicode2api.support.LogCapture;
import dev.kimicode2api.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /v1/responses} over raw HTTP: what Kimi receives, the exact events of a stream, and bad input. */
class ResponsesBridgeTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void aPlainRequestBecomesAChatCompletionAndItsAnswerAResponse() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Hello!")));
		String tokens = "kimicode2api_tokens_total{model=\"kimi-for-coding\",route=\"kimi-responses\",type=\"total\"}";
		double tokensBefore = metric(tokens);
		LogCapture.clear();

		HttpResponse<String> response = postJson("/v1/responses?trace=1", """
				{"model":"kimi-for-coding","instructions":"Be terse.","input":[{"role":"developer","content":"No emoji."},\
				{"type":"message","role":"user","content":[{"type":"input_text","text":"Say"},{"type":"input_text","text":"hello"}]}],\
				"max_output_tokens":100,"temperature":0.2,"metadata":{"k":"v"}}""", "Authorization", "Bearer sk-resp-plain");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Received received = upstream.takeRequest();
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/chat/completions?trace=1");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-resp-plain");
		// kimi-for-coding always thinks: the temperature it refuses is left out, and the output limit gets the
		// route's headroom for reasoning (the Responses settings reach Kimi through the same repairs as chat).
		assertThat(JSON.readTree(received.body())).isEqualTo(JSON.readTree("""
				{"model":"kimi-for-coding","messages":[{"role":"system","content":"Be terse."},\
				{"role":"system","content":"No emoji."},{"role":"user","content":"Say\\n\\nhello"}],\
				"max_tokens":4196}"""));
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
		// The same metrics and access line as the chat route, under the Responses route, counting what the client got.
		assertThat(metric(tokens) - tokensBefore).isEqualTo(55);
		assertThat(LogCapture.accessLines(1)).anyMatch(line -> line.contains("POST /v1/responses route=kimi-responses "
				+ "model=kimi-for-coding stream=false status=200 bytes=" + response.body().length())
				&& line.contains("tokens=50/5/55"));
	}

	@Test
	void aStreamsTokensAreCountedFromResponseCompletedEvenWhenTheClientLeavesRightAfterIt() throws Exception {
		// Codex closes its connection as soon as it has response.completed.
		upstream.respond(FakeUpstream.sse(KimiWire.toolTurnStream(List.of("r"), "functions.a:0", "a", List.of("{}")),
				Duration.ofMillis(1)));
		String tokens = "kimicode2api_tokens_total{model=\"kimi-for-coding\",route=\"kimi-responses\",type=\"prompt\"}";
		double before = metric(tokens);
		byte[] body = "{\"model\":\"kimi-for-coding\",\"stream\":true,\"input\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
		String responseId = null;
		try (java.net.Socket socket = RawHttp.postJson(port, "/v1/responses", body, "Authorization: Bearer sk-leaves-early")) {
			java.io.BufferedReader reader = RawHttp.lines(socket);
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				if (line.startsWith("data: {\"type\":\"response.completed\"")) {
					responseId = JSON.readTree(line.substring(6)).at("/response/id").asString();
					break;
				}
			}
		}
		upstream.takeRequest();
		for (int i = 0; i < 50 && metric(tokens) - before < 30; i++) {
			Thread.sleep(20);
		}
		assertThat(metric(tokens) - before).isEqualTo(30);

		// Reading the stored response again is not another upstream call: its tokens are not counted again.
		HttpResponse<String> stored = http.send(request("/v1/responses/" + responseId)
			.header("Authorization", "Bearer sk-leaves-early").GET().build(), HttpResponse.BodyHandlers.ofString());
		assertThat(stored.statusCode()).isEqualTo(200);
		assertThat(metric(tokens) - before).isEqualTo(30);
		assertThat(get("/actuator/prometheus").body()).doesNotContain("kimicode2api_tokens_total{model=\"none\"");
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
		assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
		assertThat(sent.get("stream_options").get("include_usage").asBoolean()).isTrue();
		assertThat(sent.get("tools")).hasSize(1);
		assertThat(sent.at("/tools/0/function/name").asString()).isEqualTo("ls");
	}

	/** Codex's freeform apply_patch and its namespaced tools, there and back. */
	@Test
	void customAndNamespacedToolsAreFunctionsUpstreamAndTheirOwnItemsForTheClient() throws Exception {
		String patch = "*** Begin Patch\n*** Add File: hi.txt\n+h\u00e9llo \"x\"\n*** End Patch\n";
		String arguments = JSON.writeValueAsString(JSON.createObjectNode().put("input", patch)).replace("\u00e9", "\\u00e9");
		assertThat(arguments).contains("\\u00e9", "\\n", "\\\"");
		// The arguments in 3-character fragments, so every escape (\n, \", \u00e9) is cut somewhere.
		List<String> pieces = new ArrayList<>();
		for (int i = 0; i < arguments.length(); i += 3) {
			pieces.add(arguments.substring(i, Math.min(arguments.length(), i + 3)));
		}
		List<String> events = new ArrayList<>(KimiWire.toolTurnStream(List.of("Patch it."), "functions.apply_patch:0",
				"apply_patch", pieces));
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(2)));
		String tools = """
				[{"type":"custom","name":"apply_patch","description":"Edit files.","format":{"type":"grammar","syntax":"lark","definition":"start: begin_patch"}},				{"type":"namespace","name":"multi_agent_v1","description":"Sub-agents","tools":[{"type":"function","name":"close_agent","parameters":{"type":"object","properties":{"target":{"type":"string"}}}}]}]""";

		HttpResponse<String> response = postJson("/v1/responses", "{\"model\":\"kimi-for-coding-thinking\","
				+ "\"stream\":true,\"input\":\"Create hi.txt\",\"tools\":" + tools + "}", "Authorization", "Bearer sk-custom");

		JsonNode sentTools = JSON.readTree(upstream.takeRequest().body()).get("tools");
		assertThat(sentTools.at("/0/function/name").asString()).isEqualTo("apply_patch");
		assertThat(sentTools.at("/0/function/description").asString()).contains("Edit files.", "lark", "start: begin_patch");
		assertThat(sentTools.at("/0/function/parameters/required/0").asString()).isEqualTo("input");
		assertThat(sentTools.at("/1/function/name").asString()).isEqualTo("multi_agent_v1__close_agent");
		StringBuilder streamedInput = new StringBuilder();
		JsonNode completed = null;
		for (String event : response.body().split("\n\n")) {
			JsonNode data = JSON.readTree(event.split("\n")[1].substring("data: ".length()));
			if (data.get("type").asString().equals("response.custom_tool_call_input.delta")) {
				streamedInput.append(data.get("delta").asString());
			}
			if (data.get("type").asString().equals("response.completed")) {
				completed = data.get("response");
			}
		}
		String rawPatch = patch;
		assertThat(streamedInput.toString()).as("the raw input, decoded as it streamed").isEqualTo(rawPatch);
		JsonNode call = completed.at("/output/1");
		assertThat(call.get("type").asString()).isEqualTo("custom_tool_call");
		assertThat(call.get("id").asString()).startsWith("ctc_");
		assertThat(call.get("name").asString()).isEqualTo("apply_patch");
		assertThat(call.get("input").asString()).isEqualTo(rawPatch);

		// The next turn sends the custom call back, with its output; and a namespaced call.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Done.")));
		String input = "[{\"role\":\"user\",\"content\":\"Create hi.txt\"}," + completed.at("/output/0") + "," + call + ","
				+ "{\"type\":\"custom_tool_call_output\",\"call_id\":\"functions.apply_patch:0\",\"output\":\"Success.\"},"
				+ "{\"type\":\"function_call\",\"call_id\":\"c2\",\"name\":\"close_agent\",\"namespace\":\"multi_agent_v1\","
				+ "\"arguments\":\"{}\"},{\"type\":\"function_call_output\",\"call_id\":\"c2\",\"output\":[{\"type\":"
				+ "\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\",\"detail\":\"high\"}]}]";
		HttpResponse<String> second = postJson("/v1/responses", "{\"model\":\"kimi-for-coding-thinking\",\"input\":"
				+ input + ",\"tools\":" + tools + "}", "Authorization", "Bearer sk-custom");

		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		JsonNode messages = JSON.readTree(upstream.takeRequest().body()).get("messages");
		assertThat(messages.at("/1/reasoning_content").asString()).isEqualTo("Patch it.");
		assertThat(messages.at("/1/tool_calls/0/function/name").asString()).isEqualTo("apply_patch");
		assertThat(JSON.readTree(messages.at("/1/tool_calls/0/function/arguments").asString()).get("input").asString())
			.isEqualTo(rawPatch);
		assertThat(messages.at("/2/role").asString()).isEqualTo("tool");
		assertThat(messages.at("/2/content").asString()).isEqualTo("Success.");
		assertThat(messages.at("/3/tool_calls/0/function/name").asString()).isEqualTo("multi_agent_v1__close_agent");
		// Kimi refuses a tool result without text: an image-only output gets a line of text before it.
		assertThat(messages.at("/4/content/0/type").asString()).isEqualTo("text");
		assertThat(messages.at("/4/content/1/image_url/url").asString()).isEqualTo("data:image/png;base64,AAAA");

		// And Kimi calling the namespaced tool: a function_call with its namespace, as Codex routes it.
		upstream.respond(FakeUpstream.json(200, KimiWire.toolTurn("Close it.", "functions.x:1",
				"multi_agent_v1__close_agent", "{\"target\":\"a1\"}")));
		HttpResponse<String> third = postJson("/v1/responses", "{\"model\":\"kimi-for-coding\",\"input\":\"close\","
				+ "\"tools\":" + tools + "}");
		JsonNode namespaced = JSON.readTree(third.body()).at("/output/1");
		assertThat(namespaced.get("type").asString()).isEqualTo("function_call");
		assertThat(namespaced.get("name").asString()).isEqualTo("close_agent");
		assertThat(namespaced.get("namespace").asString()).isEqualTo("multi_agent_v1");
		upstream.takeRequest();
	}

	@Test
	void aClientThatLeavesATranslatedStreamClosesTheUpstreamConnection() throws Exception {
		java.util.concurrent.CountDownLatch upstreamClosed = new java.util.concurrent.CountDownLatch(1);
		upstream.respond((request, response) -> {
			response.withConnection(c -> c.onDispose(upstreamClosed::countDown));
			return response.header("Content-Type", "text/event-stream")
				.sendString(reactor.core.publisher.Flux.interval(Duration.ZERO, Duration.ofMillis(50))
					.map(i -> "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"step " + i
							+ " \"},\"finish_reason\":null}]}\n\n")
					.take(2000))
				.then();
		});
		byte[] body = "{\"model\":\"kimi-for-coding-thinking\",\"stream\":true,\"input\":\"think long\"}"
			.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		try (java.net.Socket socket = RawHttp.postJson(port, "/v1/responses", body, "Authorization: Bearer sk-leaves")) {
			java.io.BufferedReader reader = RawHttp.lines(socket);
			String line;
			while ((line = reader.readLine()) != null && !line.contains("response.reasoning_summary_text.delta")) {
				// headers, chunk sizes, the first events
			}
			assertThat(line).as("a reasoning delta arrived while the upstream was still thinking")
				.contains("response.reasoning_summary_text.delta");
		}
		assertThat(upstreamClosed.await(1, java.util.concurrent.TimeUnit.SECONDS))
			.as("upstream connection closed within 1 s of the client leaving").isTrue();
		upstream.takeRequest();
	}

	@Test
	void settingsWithAChatEquivalentAreCarriedOverAndBuiltInToolsAreLeftOutAndCounted() throws Exception {
		// k3 thinks only when asked: the settings arrive as the client set them, nothing adapted for thinking.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("{\"ok\":true}")));
		String leftOut = "kimicode2api_responses_tools_left_out_total{route=\"kimi-responses\",type=\"web_search\"}";
		double before = metric(leftOut);

		HttpResponse<String> response = postJson("/v1/responses", """
				{"model":"k3","input":"Check it","parallel_tool_calls":false,"top_p":0.9,"user":"u1",\
				"tool_choice":{"type":"function","name":"check"},\
				"tools":[{"type":"function","name":"check","strict":true,"parameters":{"type":"object","properties":{}}},\
				{"type":"web_search"},{"type":"file_search","vector_store_ids":["vs"]}],\
				"text":{"format":{"type":"json_schema","name":"verdict","strict":true,"schema":{"type":"object",\
				"properties":{"ok":{"type":"boolean"}}}}},"reasoning":{"effort":"high"},"include":["file_search_call.results"]}""");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(JSON.readTree(upstream.takeRequest().body())).isEqualTo(JSON.readTree("""
				{"model":"k3","messages":[{"role":"user","content":"Check it"}],\
				"tools":[{"type":"function","function":{"name":"check","parameters":{"type":"object","properties":{}}}}],\
				"tool_choice":{"type":"function","function":{"name":"check"}},"parallel_tool_calls":false,"top_p":0.9,\
				"user":"u1","reasoning_effort":"high","response_format":{"type":"json_schema","json_schema":{"name":"verdict","schema":{"type":"object",\
				"properties":{"ok":{"type":"boolean"}}},"strict":true}}}"""));
		assertThat(metric(leftOut) - before).isEqualTo(1);
		JsonNode body = JSON.readTree(response.body());
		assertThat(body.at("/text/format/name").asString()).isEqualTo("verdict");
		assertThat(body.at("/tool_choice/name").asString()).isEqualTo("check");
		assertThat(body.get("parallel_tool_calls").asBoolean()).isFalse();
	}

	@Test
	void badInputIsA400NamingTheParameter() throws Exception {
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":42}", "input");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":[{\"type\":\"file_search_call\",\"id\":\"x\"}]}",
				"input[0].type");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"tool_choice\":{\"type\":\"web_search_preview\"}}",
				"tool_choice");
		assertBadRequest("{\"input\":\"hi\"}", "model");
		// The Agents SDK's conversationId mode: its history lives in OpenAI's Conversations API, which Kimi has not.
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\","
				+ "\"output\":\"x\"}],\"conversation\":\"conv_1\"}", "conversation");
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void valuesOfTheWrongTypeAre400sNamingThem() throws Exception {
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
				+ "\"input_image\",\"image_url\":\"https://example.com/a.png\",\"detail\":{\"x\":1}}]}]}",
				"input[0].content[0].detail");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"tools\":[{\"type\":\"function\","
				+ "\"name\":\"ls\",\"description\":[\"a\"]}]}", "tools[0].description");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"tools\":[{\"type\":\"custom\","
				+ "\"name\":\"apply_patch\",\"description\":7}]}", "tools[0].description");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"tools\":[{\"type\":\"namespace\","
				+ "\"name\":\"mcp\",\"tools\":{\"a\":1}}]}", "tools[0].tools");
		assertBadRequest("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"previous_response_id\":42}",
				"previous_response_id");
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
