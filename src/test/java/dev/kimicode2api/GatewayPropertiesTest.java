package dev.kimicode2api;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.JsonGen;
import dev.kimicode2api.support.Tries;
import dev.kimicode2api.wire.TopLevelJsonPropertiesTest;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties through the running gateway, over HTTP (fewer tries than the pure ones: each is a request or two): any
 * generated body on any route is answered, never with a 5xx, a 4xx always in the route's error shape; the virtual
 * model changes exactly its two fields; and a stream the upstream cuts anywhere reaches the client as the same events
 * (through the inline-reasoning rewrite and the Responses bridge).
 */
// A context of their own: thousands of odd requests (model-less ones among them) would otherwise be in the
// metrics that other tests of the shared context read.
@TestPropertySource(properties = "kimicode.test.context=properties")
class GatewayPropertiesTest extends GatewayTest {

	/** Generated bodies against the gateway's own rewrite and error shapes: today's Kimi would refuse most of them first. */
	@Override
	protected boolean kimi2025() {
		return true;
	}

	static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":"
			+ "\"kimi-for-coding\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
			+ "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";

	static final String[] PATHS = { "/v1/chat/completions", "/v1/messages", "/v1/responses" };

	static final String[] MODELS = { "kimi-for-coding", "kimi-for-coding-thinking", "kimi-for-coding-thinking-inline" };

	record Post(String path, byte[] body) {

		@Override
		public String toString() {
			return path + " " + new String(body, StandardCharsets.UTF_8);
		}

	}

	@Test
	void anyBodyOnAnyRouteIsAnsweredWithoutA5xxAndA4xxInTheRoutesShape() {
		upstream.kimiRules(false); // the fake always answers 200: any 5xx is the gateway's own
		upstream.respond(FakeUpstream.json(200, COMPLETION));
		Tries.forAll("any-body", 400, random -> {
			String path = PATHS[random.nextInt(PATHS.length)];
			byte[] body = random.nextInt(3) == 0 ? responsesRequest(random) : JsonGen.topLevel(random).bytes();
			if (random.nextInt(6) == 0) {
				body = Arrays.copyOf(body, random.nextInt(body.length + 1));
			}
			return new Post(path, body);
		}, post -> {
			HttpResponse<String> response = post(post.path(), post.body());
			assertThat(response.statusCode()).as(response.body()).isLessThan(500);
			if (response.statusCode() >= 400) {
				assertErrorShape(response, post.path().equals("/v1/messages"));
			}
		});
	}

	@Test
	void theVirtualModelChangesItsTwoFieldsAndEveryOtherByteGoesUpstreamAsSent() {
		upstream.respond(FakeUpstream.json(200, COMPLETION));
		// Besides the two fields, a thinking request loses what a thinking model refuses and gains room in its limits
		// (KimiRepairs: KimiTodayCompatibilityTest, TopLevelJsonRemovalTest); the generator leaves those names out.
		Set<String> reserved = Set.of("model", "messages", "tools", "thinking", "temperature", "top_p", "n",
				"presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens",
				"tool_choice", "reasoning_effort", "stream_options");
		Tries.forAll("virtual-model", 300, random -> {
			JsonGen.TopLevel generated;
			do {
				generated = JsonGen.topLevel(random);
			}
			while (generated.members().stream().anyMatch(m -> reserved.contains(m.name())));
			// the model first, then the generated members as they were
			String text = new String(generated.bytes(), StandardCharsets.UTF_8);
			String head = "{\"model\":\"kimi-for-coding-thinking\"" + (generated.members().isEmpty() ? "" : ",");
			int open = text.indexOf('{') + 1;
			byte[] bytes = (head + text.substring(open)).getBytes(StandardCharsets.UTF_8);
			int shift = head.length() - open;
			List<JsonGen.Member> members = new ArrayList<>();
			members.add(new JsonGen.Member("model", "\"kimi-for-coding-thinking\"", 9, head.length() - (generated.members().isEmpty() ? 0 : 1)));
			for (JsonGen.Member m : generated.members()) {
				members.add(new JsonGen.Member(m.name(), m.valueJson(), m.start() + shift, m.end() + shift));
			}
			return new TopLevelJsonPropertiesTest.Case(new JsonGen.TopLevel(bytes, members,
					generated.closingBrace() + shift, generated.withinLimits()),
					new java.util.LinkedHashMap<>(Map.of("model", "\"kimi-for-coding\"", "thinking", "{\"type\":\"enabled\"}")));
		}, c -> {
			upstream.reset();
			upstream.kimi2025();
			upstream.respond(FakeUpstream.json(200, COMPLETION));
			HttpResponse<String> response = post("/v1/chat/completions", c.body().bytes());
			if (response.statusCode() == 400 && !c.body().withinLimits()) {
				assertErrorShape(response, false);
				return;
			}
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			// the model is set in place, thinking appended
			assertThat(upstream.takeRequest().body()).isEqualTo(TopLevelJsonPropertiesTest.expected(c));
		});
	}

	record Split(List<String> events, int[] cuts, boolean responses) {
	}

	@Test
	void aStreamCutAnywhereReachesTheClientAsTheSameEvents() {
		Tries.forAll("stream-cuts", 80, random -> {
			List<String> events = chatStream(random);
			byte[] bytes = String.join("", events).getBytes(StandardCharsets.UTF_8);
			// anywhere, and often where it hurts: between the two newlines that end an event, inside a character
			List<Integer> sharp = new ArrayList<>();
			for (int i = 1; i < bytes.length; i++) {
				if (bytes[i - 1] == '\n' && bytes[i] == '\n' || (bytes[i] & 0xc0) == 0x80) {
					sharp.add(i);
				}
			}
			int[] cuts = random.ints(1 + random.nextInt(12), 0, 2)
				.map(kind -> kind == 0 || sharp.isEmpty() ? 1 + random.nextInt(bytes.length - 1)
						: sharp.get(random.nextInt(sharp.size())))
				.sorted().distinct().toArray();
			return new Split(events, cuts, random.nextBoolean());
		}, split -> {
			byte[] stream = String.join("", split.events()).getBytes(StandardCharsets.UTF_8);
			String whole = streamThrough(split.responses(), List.of(stream));
			List<byte[]> pieces = new ArrayList<>();
			int from = 0;
			for (int cut : split.cuts()) {
				pieces.add(Arrays.copyOfRange(stream, from, cut));
				from = cut;
			}
			pieces.add(Arrays.copyOfRange(stream, from, stream.length));
			String cut = streamThrough(split.responses(), pieces);
			assertThat(normalized(cut)).isEqualTo(normalized(whole));
			assertThat(whole).contains(split.responses() ? "response.completed" : "[DONE]");
		});
	}

	/** A chat completion stream as Kimi sends it: reasoning, content, maybe a tool call, a finish, usage, [DONE]. */
	static List<String> chatStream(SplittableRandom random) {
		List<String> deltas = new ArrayList<>();
		deltas.add("{\"role\":\"assistant\",\"content\":\"\"}");
		int reasoning = random.nextInt(4);
		for (int i = 0; i < reasoning; i++) {
			deltas.add("{\"reasoning_content\":" + JsonGen.string(random, 12).json() + "}");
		}
		int content = random.nextInt(4);
		for (int i = 0; i < content; i++) {
			deltas.add("{\"content\":" + JsonGen.string(random, 12).json() + "}");
		}
		boolean tool = random.nextInt(3) == 0;
		if (tool) {
			deltas.add("{\"tool_calls\":[{\"index\":0,\"id\":\"functions.f:0\",\"type\":\"function\",\"function\":"
					+ "{\"name\":\"f\",\"arguments\":\"\"}}]}");
			deltas.add("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + JSON.writeValueAsString(
					"{\"a\":" + JsonGen.string(random, 8).json() + "}") + "}}]}");
		}
		List<String> events = new ArrayList<>();
		for (String delta : deltas) {
			events.add("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
					+ "\"kimi-for-coding\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]}\n\n");
		}
		events.add("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
				+ "\"kimi-for-coding\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\""
				+ (tool ? "tool_calls" : "stop") + "\"}]}\n\n");
		events.add("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
				+ "\"kimi-for-coding\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
				+ "\"total_tokens\":7}}\n\n");
		events.add("data: [DONE]\n\n");
		return events;
	}

	/** What the client reads when the upstream sends {@code pieces}, each flushed alone. */
	private String streamThrough(boolean responses, List<byte[]> pieces) throws Exception {
		upstream.reset();
		upstream.kimi2025();
		upstream.respond((request, response) -> response.header("Content-Type", "text/event-stream")
			.send(Flux.fromIterable(pieces).delayElements(Duration.ofMillis(1)).map(Unpooled::wrappedBuffer), b -> true)
			.then());
		HttpResponse<String> response = responses
				? post("/v1/responses", "{\"model\":\"kimi-for-coding-thinking\",\"stream\":true,\"input\":\"hi\",\"store\":false}"
					.getBytes(StandardCharsets.UTF_8))
				: post("/v1/chat/completions", ("{\"model\":\"kimi-for-coding-thinking-inline\",\"stream\":true,"
						+ "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	/** Ids and times the gateway makes up per response. */
	private static String normalized(String stream) {
		return stream.replaceAll("\"(id|response_id|item_id)\":\"[^\"]*\"", "\"$1\":\"_\"")
			.replaceAll("\"(created_at|created)\":[0-9]+", "\"$1\":0");
	}

	/** A Responses request with the right shape and generated values: items, tools, settings, junk. */
	static byte[] responsesRequest(SplittableRandom random) {
		StringBuilder input = new StringBuilder("[");
		int items = random.nextInt(5);
		for (int i = 0; i < items; i++) {
			input.append(i > 0 ? "," : "").append(switch (random.nextInt(6)) {
				case 0 -> "{\"type\":\"message\",\"role\":\"user\",\"content\":" + JsonGen.string(random, 10).json() + "}";
				case 1 -> "{\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
						+ JsonGen.string(random, 10).json() + "}]}";
				case 2 -> "{\"type\":\"function_call\",\"call_id\":" + JsonGen.string(random, 4).json()
						+ ",\"name\":\"f\",\"arguments\":" + JsonGen.string(random, 10).json() + "}";
				case 3 -> "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":" + JsonGen.value(random) + "}";
				case 4 -> "{\"type\":\"reasoning\",\"summary\":" + JsonGen.value(random) + ",\"encrypted_content\":"
						+ JsonGen.string(random, 10).json() + "}";
				default -> JsonGen.value(random);
			});
		}
		input.append("]");
		String tools = random.nextBoolean() ? "" : ",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":"
				+ JsonGen.value(random) + "}" + (random.nextBoolean() ? ",{\"type\":\"web_search\"}" : "") + "]";
		String model = random.nextInt(5) == 0 ? JsonGen.string(random, 6).json()
				: "\"" + MODELS[random.nextInt(MODELS.length)] + "\"";
		return ("{\"model\":" + model + ",\"input\":" + (random.nextInt(4) == 0 ? JsonGen.string(random, 10).json() : input)
				+ tools + (random.nextBoolean() ? ",\"instructions\":" + JsonGen.value(random) : "")
				+ (random.nextBoolean() ? ",\"max_output_tokens\":" + JsonGen.value(random) : "")
				+ (random.nextBoolean() ? ",\"previous_response_id\":" + JsonGen.string(random, 6).json() : "")
				+ ",\"store\":false}").getBytes(StandardCharsets.UTF_8);
	}

	private HttpResponse<String> post(String path, byte[] body) throws Exception {
		return http.send(request(path).header("Content-Type", "application/json")
			.header("anthropic-version", "2023-06-01")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	static void assertErrorShape(HttpResponse<String> response, boolean anthropic) {
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				t -> assertThat(t).startsWith("application/json"));
		JsonNode body = JSON.readTree(response.body());
		if (anthropic) {
			assertThat(body.path("type").asString()).as(response.body()).isEqualTo("error");
		}
		assertThat(body.path("error").path("type").isString()).as(response.body()).isTrue();
		assertThat(body.path("error").path("message").isString()).as(response.body()).isTrue();
	}

}
