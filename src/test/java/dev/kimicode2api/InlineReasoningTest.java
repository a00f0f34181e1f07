package dev.kimicode2api;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code kimi-for-coding-thinking-inline}: reasoning moved into content as {@code <think>…</think>}, over raw HTTP. */
class InlineReasoningTest extends GatewayTest {

	static String chunk(String delta, String finish) {
		return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"kimi-for-coding\","
				+ "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
	}

	@Test
	void aPlainResponseGetsItsReasoningInFrontOfItsContent() throws Exception {
		upstream.respond(FakeUpstream.json(200, """
				{"id":"c","object":"chat.completion","model":"kimi-for-coding","choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Let me think.","content":"42"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}"""));

		HttpResponse<String> response = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding-thinking-inline\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode message = JSON.readTree(response.body()).get("choices").get(0).get("message");
		assertThat(message.get("content").asString()).isEqualTo("<think>Let me think.</think>42");
		assertThat(message.has("reasoning_content")).isFalse();
		assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
		assertThat(JSON.readTree(response.body()).get("usage").get("total_tokens").asInt()).isEqualTo(12);
		assertThat(upstream.takeRequest().bodyText()).isEqualTo("{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"thinking\":{\"type\":\"enabled\"}}");
	}

	@Test
	void aStreamIsRewrittenEventByEventEvenWhenTheBytesAreSplitAnywhere() throws Exception {
		String upstreamStream = chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")
				+ chunk("{\"reasoning_content\":\"Step \"}", "null")
				+ chunk("{\"reasoning_content\":\"one. ü\"}", "null")
				+ chunk("{\"content\":\"The answer\"}", "null")
				+ chunk("{\"content\":\" is 42.\"}", "null")
				+ chunk("{}", "\"stop\"")
				+ "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"kimi-for-coding\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n"
				+ "data: [DONE]\n\n";
		byte[] bytes = upstreamStream.getBytes(StandardCharsets.UTF_8);
		// Cut into 7-byte pieces (through the multibyte ü and the blank lines between events).
		List<byte[]> pieces = new ArrayList<>();
		for (int i = 0; i < bytes.length; i += 7) {
			pieces.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7)));
		}
		double tokensBefore = totalTokens();
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendByteArray(Flux.fromIterable(pieces).delayElements(Duration.ofMillis(2)))
			.then());

		HttpResponse<String> response = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding-thinking-inline\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

		assertThat(response.statusCode()).isEqualTo(200);
		StringBuilder content = new StringBuilder();
		List<String> events = new ArrayList<>();
		for (String event : response.body().split("\n\n")) {
			events.add(event);
			if (!event.startsWith("data: {")) {
				continue;
			}
			JsonNode chunk = JSON.readTree(event.substring(6));
			for (JsonNode choice : chunk.get("choices")) {
				assertThat(choice.get("delta").has("reasoning_content")).isFalse();
				content.append(choice.get("delta").path("content").asString(""));
			}
		}
		assertThat(content).hasToString("<think>Step one. ü</think>The answer is 42.");
		assertThat(events).hasSize(8).last().isEqualTo("data: [DONE]");
		assertThat(events.get(6)).contains("\"total_tokens\":3");
		// Token metrics see the same usage as without the rewrite.
		assertThat(totalTokens() - tokensBefore).isEqualTo(3);
	}

	@Test
	void reasoningClosesBeforeAToolCallAndOnlyTheInlineModelIsRewritten() throws Exception {
		String stream = chunk("{\"reasoning_content\":\"I should read the file.\"}", "null")
				+ chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]}", "null")
				+ chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}}]}", "null")
				+ chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Flux.just(stream)).then());

		String inline = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding-thinking-inline\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body();
		List<JsonNode> deltas = new ArrayList<>();
		for (String event : inline.split("\n\n")) {
			if (event.startsWith("data: {")) {
				deltas.add(JSON.readTree(event.substring(6)).get("choices").get(0).get("delta"));
			}
		}
		assertThat(deltas.get(0).get("content").asString()).isEqualTo("<think>I should read the file.");
		assertThat(deltas.get(1).get("content").asString()).isEqualTo("</think>");
		assertThat(deltas.get(1).get("tool_calls").get(0).get("function").get("name").asString()).isEqualTo("read");
		assertThat(deltas.get(2).get("tool_calls").get(0).get("function").get("arguments").asString())
			.isEqualTo("{\"path\":\"a\"}");

		// The plain thinking model keeps reasoning_content where the upstream put it, byte for byte.
		String plain = postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding-thinking\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body();
		assertThat(plain).isEqualTo(stream);
	}


	@Test
	void eachRewrittenEventLeavesAsSoonAsItIsComplete() throws Exception {
		java.util.concurrent.CountDownLatch clientSawFirst = new java.util.concurrent.CountDownLatch(1);
		String first = chunk("{\"reasoning_content\":\"Hmm\"}", "null").strip();
		upstream.respond(FakeUpstream.sseGated(first, clientSawFirst,
				List.of(chunk("{\"content\":\"ok\"}", "\"stop\"").strip(), "data: [DONE]")));
		java.net.http.HttpResponse<java.io.InputStream> response = http.send(request("/v1/chat/completions")
			.header("Content-Type", "application/json")
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString(
					"{\"model\":\"kimi-for-coding-thinking-inline\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
			.build(), HttpResponse.BodyHandlers.ofInputStream());
		try (java.io.BufferedReader reader = new java.io.BufferedReader(
				new java.io.InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			// The upstream holds the rest back until the client has this event: a gateway that waited for more
			// than one event would hang here.
			assertThat(reader.readLine()).contains("\"content\":\"<think>Hmm\"");
			clientSawFirst.countDown();
			assertThat(reader.lines().filter(l -> !l.isEmpty()).toList()).hasSize(2)
				.first().asString().contains("\"content\":\"</think>ok\"");
		}
	}

	private double totalTokens() throws Exception {
		return metric("kimicode2api_tokens_total{model=\"kimi-for-coding-thinking-inline\",route=\"kimi-chat\",type=\"total\"}");
	}

}
