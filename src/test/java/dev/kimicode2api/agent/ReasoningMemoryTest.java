package dev.kimicode2api.agent;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;
import dev.kimicode2api.support.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agent loops on the thinking model over raw HTTP: the client rebuilds its history from {@code content} and
 * {@code tool_calls} only, as almost every OpenAI client does, and Kimi (the fake upstream enforces its rule) refuses
 * such a turn unless the gateway gives the reasoning back.
 */
class ReasoningMemoryTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"description\":\"Read a file\","
			+ "\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}}}]";

	static String firstTurn(String model) {
		return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"What is in notes.txt?\"}],"
				+ "\"tools\":" + TOOLS + "}";
	}

	/** The second turn as a client rebuilds it: the assistant's content and tool calls, no reasoning_content. */
	static String secondTurn(String model, String callId, String arguments, String assistantContent) {
		return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"What is in notes.txt?\"},"
				+ "{\"role\":\"assistant\",\"content\":" + assistantContent + ",\"tool_calls\":[{\"id\":\"" + callId
				+ "\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":"
				+ JSON.writeValueAsString(arguments) + "}}]},"
				+ "{\"role\":\"tool\",\"tool_call_id\":\"" + callId + "\",\"content\":\"buy milk\"}],\"tools\":" + TOOLS
				+ "}";
	}

	static String key() {
		return "Bearer sk-agent-" + UUID.randomUUID();
	}

	static String callId() {
		// Kimi's own form; it repeats across conversations, which is why the gateway matches name and arguments too.
		return "functions.read_file:" + (int) (Math.random() * 1_000_000);
	}

	@Test
	void aPlainTurnsReasoningReachesKimiAgainWithTheNextTurn() throws Exception {
		String key = key();
		String callId = callId();
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("The user wants notes.txt; I should read it.", callId, "read_file", "{\"path\":\"notes.txt\"}")));
		HttpResponse<String> first = postJson("/v1/chat/completions", firstTurn("kimi-for-coding-thinking"),
				"Authorization", key);
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(first.body()).at("/choices/0/message/reasoning_content").asString())
			.isEqualTo("The user wants notes.txt; I should read it.");
		upstream.takeRequest();

		upstream.respond(FakeUpstream.json(200, KimiWire.answer("It says: buy milk.")));
		HttpResponse<String> second = postJson("/v1/chat/completions",
				secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"), "Authorization",
				key);

		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.at("/messages/1/reasoning_content").asString())
			.isEqualTo("The user wants notes.txt; I should read it.");
		assertThat(sent.at("/messages/1/tool_calls/0/id").asString()).isEqualTo(callId);
		assertThat(sent.get("thinking").get("type").asString()).isEqualTo("enabled");
	}

	@Test
	void aStreamedTurnsReasoningIsAssembledFromItsDeltasWithoutHoldingAnEventBack() throws Exception {
		String key = key();
		String callId = callId();
		List<String> events = KimiWire.toolTurnStream(List.of("First I ", "look at ", "the file. ü"), callId,
				"read_file", List.of("{\"pa", "th\":\"notes", ".txt\"}"));
		// The bytes cut into 5-byte pieces, through events, lines and the multibyte ü.
		byte[] bytes = String.join("", events.stream().map(e -> e + "\n\n").toList()).getBytes(StandardCharsets.UTF_8);
		List<byte[]> pieces = new ArrayList<>();
		for (int i = 0; i < bytes.length; i += 5) {
			pieces.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 5)));
		}
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendByteArray(Flux.fromIterable(pieces).delayElements(Duration.ofMillis(1)))
			.then());
		HttpResponse<String> first = postJson("/v1/chat/completions",
				firstTurn("kimi-for-coding-thinking").replace("{\"model\"", "{\"stream\":true,\"model\""),
				"Authorization", key);
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).as("the stream reaches the client as Kimi sent it")
			.isEqualTo(new String(bytes, StandardCharsets.UTF_8));
		upstream.takeRequest();

		upstream.respond(FakeUpstream.sse(KimiWire.answerStream("buy ", "milk"), Duration.ofMillis(1)));
		HttpResponse<String> second = postJson("/v1/chat/completions",
				secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "\"\"")
					.replace("{\"model\"", "{\"stream\":true,\"model\""),
				"Authorization", key);

		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.at("/messages/1/reasoning_content").asString()).isEqualTo("First I look at the file. ü");
		// KimiRepairs, after the reasoning: Kimi refuses an empty content on a tool-call message.
		assertThat(sent.at("/messages/1").has("content")).isFalse();
	}

	@Test
	void theInlineModelsThinkBlockGoesBackIntoReasoningContent() throws Exception {
		String key = key();
		String callId = callId();
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("Reading is the way.", callId, "read_file", "{\"path\":\"notes.txt\"}")));
		HttpResponse<String> first = postJson("/v1/chat/completions", firstTurn("kimi-for-coding-thinking-inline"),
				"Authorization", key);
		String shown = JSON.readTree(first.body()).at("/choices/0/message/content").asString();
		assertThat(shown).isEqualTo("<think>Reading is the way.</think>");
		upstream.takeRequest();

		// A chat UI sends back what it was shown, with its <think> block, and a text after it.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("buy milk")));
		HttpResponse<String> second = postJson("/v1/chat/completions", secondTurn("kimi-for-coding-thinking-inline",
				callId, "{\"path\":\"notes.txt\"}", JSON.writeValueAsString(shown + "Let me read it.")), "Authorization",
				key());

		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		JsonNode message = JSON.readTree(upstream.takeRequest().body()).at("/messages/1");
		assertThat(message.get("reasoning_content").asString()).isEqualTo("Reading is the way.");
		assertThat(message.get("content").asString()).isEqualTo("Let me read it.");
	}

	@Test
	void anotherKeyGetsThePlaceholderNotTheReasoningEvenWithTheSameToolCall() throws Exception {
		String callId = callId();
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("Secret plan of key A.", callId, "read_file", "{\"path\":\"notes.txt\"}")));
		postJson("/v1/chat/completions", firstTurn("kimi-for-coding-thinking"), "Authorization", key());
		upstream.takeRequest();
		double placeholdersBefore = metric(
				"kimicode2api_repairs_total{kind=\"reasoning_placeholder\",route=\"kimi-chat\"}");

		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		LogCapture.clear();
		HttpResponse<String> other = postJson("/v1/chat/completions",
				secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"), "x-api-key",
				"sk-agent-other-key");

		assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
		JsonNode message = JSON.readTree(upstream.takeRequest().body()).at("/messages/1");
		assertThat(message.get("reasoning_content").asString()).isEqualTo("[reasoning unavailable]");
		assertThat(metric("kimicode2api_repairs_total{kind=\"reasoning_placeholder\",route=\"kimi-chat\"}")
				- placeholdersBefore).isEqualTo(1);
		assertThat(LogCapture.accessLines(1)).anyMatch(
				line -> line.contains("repairs=reasoning_placeholder:1"));
		// And without any key at all: nothing is shared between anonymous clients either.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		postJson("/v1/chat/completions", secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"));
		assertThat(JSON.readTree(upstream.takeRequest().body()).at("/messages/1/reasoning_content").asString())
			.isEqualTo("[reasoning unavailable]");
		assertThat(LogCapture.lines()).noneMatch(l -> l.contains("sk-agent"));
	}

	@Test
	void theSameCallIdInAnotherConversationOfTheSameKeyIsNotTakenForThisOne() throws Exception {
		String key = key();
		String callId = callId();
		upstream.respond(FakeUpstream.json(200,
				KimiWire.toolTurn("Reasoning about notes.", callId, "read_file", "{\"path\":\"notes.txt\"}")));
		postJson("/v1/chat/completions", firstTurn("kimi-for-coding-thinking"), "Authorization", key);
		upstream.takeRequest();

		// Kimi's ids repeat from one conversation to the next: another file under the same id is another turn.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		postJson("/v1/chat/completions",
				secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"other.txt\"}", "null"), "Authorization", key);
		assertThat(JSON.readTree(upstream.takeRequest().body()).at("/messages/1/reasoning_content").asString())
			.isEqualTo("[reasoning unavailable]");

		// The same call with its arguments re-serialised by the client (other spacing) is the same turn.
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		postJson("/v1/chat/completions",
				secondTurn("kimi-for-coding-thinking", callId, "{ \"path\" : \"notes.txt\" }", "null"), "Authorization",
				key);
		assertThat(JSON.readTree(upstream.takeRequest().body()).at("/messages/1/reasoning_content").asString())
			.isEqualTo("Reasoning about notes.");
	}

	@Test
	void withoutThinkingOrWithNothingToRepairTheRequestArrivesByteForByte() throws Exception {
		String callId = callId();
		// Thinking off (k3 thinks only when asked): Kimi does not ask for reasoning, and the gateway changes nothing.
		String plain = secondTurn("k3", callId, "{\"path\":\"notes.txt\"}", "null");
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		assertThat(postJson("/v1/chat/completions", plain, "Authorization", key()).statusCode()).isEqualTo(200);
		assertThat(upstream.takeRequest().body()).isEqualTo(plain.getBytes(StandardCharsets.UTF_8));

		// The client's own thinking switch, a history that carries its reasoning, typed schemas: nothing to do.
		String complete = secondTurn("kimi-for-coding", callId, "{\"path\":\"notes.txt\"}", "null")
			.replace("{\"role\":\"assistant\",", "{\"role\":\"assistant\",\"reasoning_content\":\"I  read\\u00e9 it.\",")
			.replace("{\"model\"", "{\"thinking\" : true,\"temperature\":1.0e0,\"model\"");
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		HttpResponse<String> response = postJson("/v1/chat/completions", complete, "Authorization", key());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(upstream.takeRequest().body()).isEqualTo(complete.getBytes(StandardCharsets.UTF_8));
	}

}
