package dev.kimicode2api.responses;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an upstream or a client can get wrong around {@code /v1/responses}: answers the bridge cannot translate, a
 * stream that fails in its own events or ends oddly, values of the wrong type, and keys that are not keys.
 */
class ResponsesBridgeRobustnessTest extends GatewayTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final String LS_TOOL = "{\"type\":\"function\",\"name\":\"ls\",\"parameters\":{\"type\":\"object\","
			+ "\"properties\":{\"dir\":{\"type\":\"string\"}}}}";

	@Test
	void aSuccessfulAnswerThatCannotBeTranslatedIsA502() throws Exception {
		for (String body : List.of("{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":null}]}",
				"<html>captive portal</html>", "")) {
			upstream.respond(FakeUpstream.json(200, body));
			HttpResponse<String> response = postJson("/v1/responses", "{\"model\":\"kimi-for-coding\",\"input\":\"hi\"}");
			assertThat(response.statusCode()).as(body).isEqualTo(502);
			JsonNode error = JSON.readTree(response.body()).get("error");
			assertThat(error.get("type").asString()).isEqualTo("proxy_error");
			assertThat(error.get("message").asString()).startsWith("The upstream answered with");
			upstream.takeRequest();
		}
	}

	@Test
	void anErrorInsideAStreamEndsItWithResponseFailedCarryingTheUpstreamsMessage() throws Exception {
		List<String> events = new ArrayList<>(KimiWire.answerStream("Half ").subList(0, 2));
		events.add("data: {\"error\":{\"message\":\"The engine is overloaded\",\"type\":\"server_error\"}}");
		events.add("data: [DONE]");
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(1)));

		List<JsonNode> received = stream("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true}");

		assertThat(types(received)).endsWith("response.output_text.done", "response.content_part.done",
				"response.output_item.done", "response.failed");
		JsonNode failed = received.get(received.size() - 1).get("response");
		assertThat(failed.get("status").asString()).isEqualTo("failed");
		assertThat(failed.at("/error/message").asString()).isEqualTo("Upstream error: The engine is overloaded");
		assertThat(failed.at("/output/0/content/0/text").asString()).isEqualTo("Half ");
	}

	@Test
	void doneWithoutAFinishReasonIsNotAComplete() throws Exception {
		List<String> events = new ArrayList<>(KimiWire.answerStream("Cut ").subList(0, 2));
		events.add("data: [DONE]");
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(1)));

		List<JsonNode> received = stream("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true}");

		assertThat(types(received)).last().isEqualTo("response.failed");
		assertThat(types(received)).doesNotContain("response.completed");
	}

	@Test
	void anUpstreamThatBreaksOffAfterDoneGivesTheClientOneTerminalEvent() throws Exception {
		List<String> events = KimiWire.answerStream("Whole ", "answer");
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Flux.concat(Flux.fromIterable(events).map(e -> e + "\n\n"),
					Mono.delay(Duration.ofMillis(200)).flatMap(tick -> {
						response.withConnection(connection -> connection.channel().close());
						return Mono.<String>never();
					})))
			.then());

		List<JsonNode> received = stream("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true}");

		assertThat(types(received)).last().isEqualTo("response.completed");
		assertThat(types(received)).doesNotContain("response.failed");
	}

	@Test
	void aLastEventWithoutItsBlankLineStillCompletesTheResponse() throws Exception {
		List<String> events = KimiWire.answerStream("All ", "of it");
		events = events.subList(0, events.size() - 1); // no [DONE]: the stream just ends after the finish chunk
		String body = String.join("\n\n", events); // ... and that last chunk has no blank line after it
		upstream.respond(FakeUpstream.text(200, "text/event-stream", body));

		List<JsonNode> received = stream("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true}");

		assertThat(types(received)).last().isEqualTo("response.completed");
		assertThat(received.get(received.size() - 1).at("/response/output/0/content/0/text").asString())
			.isEqualTo("All of it");
	}

	@Test
	void aChoicesArrayWithSomethingElseBeforeTheChoiceIsStillTranslated() throws Exception {
		List<String> events = List.of(
				"data: {\"choices\":[null,[0],{\"index\":0,\"delta\":{\"content\":\"Kept\",\"tool_calls\":[7]}}]}",
				"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}", "data: [DONE]");
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(1)));

		List<JsonNode> received = stream("{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true}");

		assertThat(types(received)).last().isEqualTo("response.completed");
		assertThat(received.get(received.size() - 1).at("/response/output/0/content/0/text").asString())
			.isEqualTo("Kept");
	}

	@Test
	void getOrDeleteOnTheCollectionIs405AllowingPost() throws Exception {
		for (String method : List.of("GET", "DELETE")) {
			HttpResponse<String> response = http.send(request("/v1/responses").method(method,
					HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(method).isEqualTo(405);
			assertThat(response.headers().firstValue("Allow")).hasValue("POST");
			assertThat(JSON.readTree(response.body()).at("/error/type").asString()).isEqualTo("invalid_request_error");
		}
	}

	/** The bridge points POST /v1/responses at the chat path; below it there is nothing to post to. */
	@Test
	void postingToAResponsesIdIsAnUnknownPathThatNeverReachesTheUpstream() throws Exception {
		int before = upstream.requestCount();
		HttpResponse<String> response = postJson("/v1/responses/resp_abc",
				"{\"model\":\"kimi-for-coding\",\"input\":\"hi\"}");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
		assertThat(JSON.readTree(response.body()).at("/error/message").asString())
			.isEqualTo("Unknown path: POST /v1/responses/resp_abc");
		assertThat(upstream.requestCount()).isEqualTo(before);
	}

	/** Codex with {@code store: false} asks for the seal once; the item comes back later with or without asking. */
	@Test
	void sealedReasoningIsOpenedWhenItComesBackEvenIfThatTurnDoesNotAskForSeals() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.toolTurn("Sealed thoughts.", "functions.ls:7", "ls",
				"{\"dir\":\".\"}")));
		HttpResponse<String> first = postJson("/v1/responses", "{\"model\":\"kimi-for-coding-thinking\",\"input\":\"List\","
				+ "\"store\":false,\"include\":[\"reasoning.encrypted_content\"],\"tools\":[" + LS_TOOL + "]}",
				"Authorization", "Bearer sk-seal-owner");
		upstream.takeRequest();
		String sealed = JSON.readTree(first.body()).at("/output/0/encrypted_content").asString();
		assertThat(sealed).isNotEmpty().doesNotContain("Sealed");

		// The item with only its seal, before a call the reasoning memory has never seen (other id and arguments).
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Done.")));
		postJson("/v1/responses", "{\"model\":\"kimi-for-coding-thinking\",\"store\":false,\"input\":["
				+ "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\"" + sealed + "\"},"
				+ "{\"type\":\"function_call\",\"call_id\":\"functions.ls:8\",\"name\":\"ls\",\"arguments\":\"{\\\"dir\\\":\\\"src\\\"}\"},"
				+ "{\"type\":\"function_call_output\",\"call_id\":\"functions.ls:8\",\"output\":\"a.java\"}],"
				+ "\"tools\":[" + LS_TOOL + "]}", "Authorization", "Bearer sk-seal-owner");

		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.at("/messages/0/role").asString()).isEqualTo("assistant");
		assertThat(sent.at("/messages/0/reasoning_content").asString()).isEqualTo("Sealed thoughts.");
	}

	/** An empty bearer token arrives as the word "Bearer": that is no key, so the x-api-key next to it counts. */
	@Test
	void anEmptyBearerTokenIsNoKeySoClientsWithTheirOwnApiKeysStayApart() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("Mine.")));
		HttpResponse<String> created = postJson("/v1/responses", "{\"model\":\"kimi-for-coding\",\"input\":\"hi\"}",
				"Authorization", "Bearer", "x-api-key", "sk-first-client");
		upstream.takeRequest();
		String id = JSON.readTree(created.body()).get("id").asString();

		HttpResponse<String> other = http.send(request("/v1/responses/" + id).header("Authorization", "Bearer")
			.header("x-api-key", "sk-second-client").GET().build(), HttpResponse.BodyHandlers.ofString());
		HttpResponse<String> owner = http.send(request("/v1/responses/" + id).header("Authorization", "Bearer")
			.header("x-api-key", "sk-first-client").GET().build(), HttpResponse.BodyHandlers.ofString());

		assertThat(other.statusCode()).as(other.body()).isEqualTo(404);
		assertThat(owner.statusCode()).as(owner.body()).isEqualTo(200);
		assertThat(JSON.readTree(owner.body()).get("id").asString()).isEqualTo(id);
	}

	private List<JsonNode> stream(String body) throws Exception {
		HttpResponse<String> response = postJson("/v1/responses", body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		List<JsonNode> events = new ArrayList<>();
		for (String event : response.body().split("\n\n")) {
			String[] lines = event.split("\n");
			JsonNode json = JSON.readTree(lines[1].substring("data: ".length()));
			assertThat(json.get("sequence_number").asInt()).isEqualTo(events.size());
			events.add(json);
		}
		upstream.takeRequest();
		return events;
	}

	private static List<String> types(List<JsonNode> events) {
		return events.stream().map(event -> event.get("type").asString()).toList();
	}

}
