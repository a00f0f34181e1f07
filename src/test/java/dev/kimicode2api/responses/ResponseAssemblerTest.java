package dev.kimicode2api.responses;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.http.HttpHeaders;

import dev.kimicode2api.wire.ChatChunk;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chat completions in, the Responses items and events out, without a gateway: the same items from a plain answer and
 * from its stream, the exact event order with its numbering and framing, custom and namespaced tools, the usage in
 * Responses terms, and a stream that fails half way.
 */
class ResponseAssemblerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final String TOOLS = "\"tools\":[{\"type\":\"custom\",\"name\":\"apply_patch\"},"
			+ "{\"type\":\"namespace\",\"name\":\"fs\",\"tools\":[{\"type\":\"function\",\"name\":\"ls\"}]}]";

	@Test
	void aPlainAnswerGivesItsItemsInOrderAndItsUsageInResponsesTerms() {
		ResponseAssembler assembler = new ResponseAssembler(context("{\"model\":\"kimi-for-coding-thinking\",\"input\":\"x\"}"),
				false);
		boolean translated = assembler.acceptCompletion(chunk("""
				{"id":"c","model":"kimi-for-coding","choices":[{"index":0,"finish_reason":"tool_calls","message":{
				 "role":"assistant","reasoning_content":"Think.","content":"Let me look.",
				 "tool_calls":[{"id":"call_9","type":"function","function":{"name":"ls","arguments":"{}"}}]}}],
				 "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"cached_tokens":4,
				 "completion_tokens_details":{"reasoning_tokens":2}}}"""));

		assertThat(translated).isTrue();
		JsonNode response = JSON.readTree(assembler.response());
		assertThat(response.get("status").asString()).isEqualTo("completed");
		assertThat(response.get("model").asString()).isEqualTo("kimi-for-coding-thinking"); // as the client named it
		JsonNode output = response.get("output");
		assertThat(output).hasSize(3);
		assertThat(output.get(0).get("type").asString()).isEqualTo("reasoning");
		assertThat(output.get(0).get("id").asString()).startsWith("rs_");
		assertThat(output.get(0).at("/summary/0/text").asString()).isEqualTo("Think.");
		assertThat(output.get(1).at("/content/0/text").asString()).isEqualTo("Let me look.");
		assertThat(output.get(2).toString()).contains("\"type\":\"function_call\"", "\"call_id\":\"call_9\"",
				"\"name\":\"ls\"", "\"arguments\":\"{}\"");
		assertThat(response.get("usage").toString()).isEqualTo("{\"input_tokens\":10,\"input_tokens_details\":"
				+ "{\"cached_tokens\":4,\"cache_write_tokens\":0},\"output_tokens\":5,\"output_tokens_details\":"
				+ "{\"reasoning_tokens\":2},\"total_tokens\":15}");
		assertThat(assembler.assistantMessage().toString()).isEqualTo("{\"role\":\"assistant\",\"content\":"
				+ "\"Let me look.\",\"reasoning_content\":\"Think.\",\"tool_calls\":[{\"id\":\"call_9\",\"type\":"
				+ "\"function\",\"function\":{\"name\":\"ls\",\"arguments\":\"{}\"}}]}");
	}

	@Test
	void anAnswerCutAtItsLengthIsIncompleteAndOneWithoutAMessageIsNotTranslated() {
		ResponseAssembler cut = new ResponseAssembler(context("{\"model\":\"m\",\"input\":\"x\"}"), false);
		cut.acceptCompletion(chunk("{\"choices\":[{\"index\":0,\"finish_reason\":\"length\",\"message\":{\"content\":\"Par\"}}]}"));
		JsonNode response = JSON.readTree(cut.response());
		assertThat(response.get("status").asString()).isEqualTo("incomplete");
		assertThat(response.at("/incomplete_details/reason").asString()).isEqualTo("max_output_tokens");
		assertThat(response.get("usage").isNull()).isTrue();

		ResponseAssembler none = new ResponseAssembler(context("{\"model\":\"m\",\"input\":\"x\"}"), false);
		assertThat(none.acceptCompletion(chunk("{\"choices\":[{\"index\":0,\"message\":null}]}"))).isFalse();
	}

	@Test
	void aStreamWritesEachItemsEventsInOrderNumberedAndFramedAsServerSentEvents() {
		ResponseAssembler assembler = new ResponseAssembler(context("{\"model\":\"m\",\"input\":\"x\",\"stream\":true}"), true);
		assembler.start();
		assembler.acceptChunk(delta("{\"reasoning_content\":\"Hm\"}", null));
		assembler.acceptChunk(delta("{\"content\":\"Hi \"}", null));
		assembler.acceptChunk(delta("{\"content\":\"there\"}", null));
		assembler.acceptChunk(delta("{}", "stop"));
		assembler.acceptChunk(chunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}"));
		assembler.finish();

		List<JsonNode> events = events(assembler.drain());
		assertThat(events.stream().map(event -> event.get("type").asString()).toList()).containsExactly(
				"response.created", "response.in_progress",
				"response.output_item.added", "response.reasoning_summary_part.added",
				"response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
				"response.reasoning_summary_part.done", "response.output_item.done",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta",
				"response.output_text.delta", "response.output_text.done", "response.content_part.done",
				"response.output_item.done", "response.completed");
		for (int i = 0; i < events.size(); i++) {
			assertThat(events.get(i).get("sequence_number").asInt()).isEqualTo(i);
		}
		assertThat(events.get(10).get("delta").asString()).isEqualTo("Hi ");
		assertThat(events.get(12).get("text").asString()).isEqualTo("Hi there");
		assertThat(events.get(14).get("output_index").asInt()).isEqualTo(1);
		JsonNode completed = events.get(15).get("response");
		assertThat(completed.get("status").asString()).isEqualTo("completed");
		assertThat(completed.at("/usage/total_tokens").asInt()).isEqualTo(5);
		assertThat(completed.toString()).isEqualTo(new String(assembler.response(), StandardCharsets.UTF_8));
	}

	@Test
	void aCustomToolsInputStreamsAsRawTextAndANamespacedFunctionGetsItsOwnNameBack() {
		ResponseAssembler assembler = new ResponseAssembler(context("{\"model\":\"m\",\"input\":\"x\"," + TOOLS + "}"), true);
		assembler.acceptChunk(delta("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"apply_patch\","
				+ "\"arguments\":\"{\\\"input\\\":\\\"*** Be\"}}]}", null));
		assembler.acceptChunk(delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"gin\\\\n\\\"}\"}}]}", null));
		assembler.acceptChunk(delta("{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"function\":{\"name\":\"fs__ls\","
				+ "\"arguments\":\"{}\"}}]}", "tool_calls"));
		assembler.finish();

		List<JsonNode> events = events(assembler.drain());
		List<String> inputDeltas = events.stream()
			.filter(event -> event.get("type").asString().equals("response.custom_tool_call_input.delta"))
			.map(event -> event.get("delta").asString())
			.toList();
		assertThat(String.join("", inputDeltas)).isEqualTo("*** Begin\n");
		JsonNode output = events.get(events.size() - 1).at("/response/output");
		assertThat(output.get(0).get("type").asString()).isEqualTo("custom_tool_call");
		assertThat(output.get(0).get("id").asString()).startsWith("ctc_");
		assertThat(output.get(0).get("input").asString()).isEqualTo("*** Begin\n");
		assertThat(output.get(1).get("name").asString()).isEqualTo("ls");
		assertThat(output.get(1).get("namespace").asString()).isEqualTo("fs");
		assertThat(output.get(1).get("call_id").asString()).isEqualTo("c2");
	}

	@Test
	void aFailureClosesTheOpenItemThenFailsTheResponseWithWhatWasSaid() {
		ResponseAssembler assembler = new ResponseAssembler(context("{\"model\":\"m\",\"input\":\"x\"}"), true);
		assembler.acceptChunk(delta("{\"content\":\"Half\"}", null));
		assembler.fail("Upstream stream interrupted");

		List<JsonNode> events = events(assembler.drain());
		assertThat(events.stream().map(event -> event.get("type").asString()).toList()).endsWith(
				"response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response.failed");
		JsonNode failed = events.get(events.size() - 1).get("response");
		assertThat(failed.at("/error/message").asString()).isEqualTo("Upstream stream interrupted");
		assertThat(failed.at("/output/0/content/0/text").asString()).isEqualTo("Half");
		assertThat(assembler.finished()).isFalse();
	}

	@Test
	void reasoningIsSealedForAClientThatAskedAndOpensWithItsKey() {
		ResponseAssembler assembler = new ResponseAssembler(
				context("{\"model\":\"m\",\"input\":\"x\",\"include\":[\"reasoning.encrypted_content\"]}"), false);
		assembler.acceptCompletion(chunk("{\"choices\":[{\"index\":0,\"message\":{\"reasoning_content\":\"Secret.\","
				+ "\"content\":\"ok\"}}]}"));
		String sealed = JSON.readTree(assembler.response()).at("/output/0/encrypted_content").asString();
		assertThat(new ReasoningSeal("sk-test".getBytes(StandardCharsets.UTF_8)).open(sealed)).isEqualTo("Secret.");
	}

	/** The events of an SSE byte stream, each checked for its framing: {@code event:} names its JSON's type. */
	private static List<JsonNode> events(byte[] sse) {
		List<JsonNode> events = new ArrayList<>();
		String text = new String(sse, StandardCharsets.UTF_8);
		assertThat(text).endsWith("\n\n");
		for (String event : text.substring(0, text.length() - 2).split("\n\n")) {
			String[] lines = event.split("\n");
			assertThat(lines).hasSize(2);
			assertThat(lines[0]).startsWith("event: ");
			assertThat(lines[1]).startsWith("data: ");
			JsonNode data = JSON.readTree(lines[1].substring(6));
			assertThat(data.get("type").asString()).isEqualTo(lines[0].substring(7));
			events.add(data);
		}
		return events;
	}

	private static ChatChunk delta(String delta, String finishReason) {
		return chunk("{\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
				+ (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}");
	}

	private static ChatChunk chunk(String json) {
		return ChatChunk.read(json.getBytes(StandardCharsets.UTF_8));
	}

	private static BridgeContext context(String request) {
		HttpHeaders headers = new HttpHeaders();
		headers.setBearerAuth("sk-test");
		JsonNode parsed = JSON.readTree(request);
		BridgeContext context = BridgeContext.forRequest(parsed, headers);
		ResponsesRequestTranslator.translate(parsed, JSON.createArrayNode(), context, type -> {
		});
		return context;
	}

}
