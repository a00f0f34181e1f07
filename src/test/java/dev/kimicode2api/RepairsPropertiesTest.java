package dev.kimicode2api;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.JsonGen;
import dev.kimicode2api.support.Tries;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent repairs on generated agent turns, through the running gateway in front of the fake that refuses what
 * Kimi refuses: every turn is taken (the repairs made it acceptable), and what reached the upstream differs from what
 * the client sent only by the repairs' own changes (a {@code type} added to a schema or moved from beside its
 * {@code anyOf} into the branches, an empty {@code enum} dropped, a blank {@code content} dropped
 * from a tool-call message, the reasoning filled in, the virtual model's two fields); every message and tool the
 * repairs left alone goes on byte for byte.
 */
// A context of their own: thousands of odd requests (model-less ones among them) would otherwise be in the
// metrics that other tests of the shared context read.
@TestPropertySource(properties = "kimicode.test.context=properties")
class RepairsPropertiesTest extends GatewayTest {

	static final String COMPLETION = GatewayPropertiesTest.COMPLETION;

	/** Numbers read exactly, so that a repair that rounds one is seen. */
	static final ObjectMapper EXACT = JsonMapper.builder()
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.build();

	record Turn(String model, List<String> messages, List<String> tools, String body) {

		@Override
		public String toString() {
			return body;
		}

	}

	static Turn generate(SplittableRandom random) {
		String model = switch (random.nextInt(3)) {
			case 0 -> "kimi-for-coding";
			case 1 -> "kimi-for-coding-thinking";
			default -> "k3"; // thinks only when asked: no reasoning restored
		};
		List<String> messages = new ArrayList<>();
		messages.add("{\"role\":\"user\",\"content\":" + JsonGen.string(random, 10).json() + "}");
		int turns = random.nextInt(4);
		for (int i = 0; i < turns; i++) {
			String id = "functions.f:" + i;
			String content = switch (random.nextInt(8)) {
				case 0 -> "\"\"";
				case 1 -> "\"  \\n\"";
				case 2 -> "[]";
				case 3 -> "[{\"type\":\"text\",\"text\":\"\"},{\"type\":\"text\",\"text\":\" \"}]";
				case 4 -> "null";
				case 5 -> null;
				default -> JsonGen.string(random, 8).json();
			};
			String reasoning = switch (random.nextInt(3)) {
				case 0 -> null;
				case 1 -> "\"\"";
				default -> "\"thought " + i + "\"";
			};
			messages.add("{\"role\":\"assistant\"" + (content == null ? "" : ",\"content\":" + content)
					+ (reasoning == null ? "" : ",\"reasoning_content\":" + reasoning) + ",\"tool_calls\":[{\"id\":\"" + id
					+ "\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
					+ JSON.writeValueAsString("{\"q\":" + JsonGen.string(random, 6).json() + "}") + "}}]"
					+ (random.nextInt(4) == 0 ? ",\"x\":" + JsonGen.value(random, true) : "") + "}");
			messages.add("{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":" + JsonGen.string(random, 8).json()
					+ "}");
		}
		List<String> tools = new ArrayList<>();
		int count = random.nextInt(4);
		for (int i = 0; i < count; i++) {
			tools.add("{\"type\":\"function\",\"function\":{\"name\":\"t" + i + "\",\"parameters\":{\"type\":\"object\","
					+ "\"properties\":" + properties(random, 0) + "}}}");
		}
		String body = "{\"model\":\"" + model + "\",\"messages\":[" + String.join(",", messages) + "]"
				+ (tools.isEmpty() ? "" : ",\"tools\":[" + String.join(", ", tools) + "]") + "}";
		return new Turn(model, messages, tools, body);
	}

	private static String properties(SplittableRandom random, int depth) {
		StringBuilder properties = new StringBuilder("{");
		int n = random.nextInt(4);
		for (int i = 0; i < n; i++) {
			properties.append(i > 0 ? "," : "").append(JsonGen.spell(random, "p" + i)).append(':')
				.append(schema(random, depth + 1));
		}
		return properties.append('}').toString();
	}

	private static String schema(SplittableRandom random, int depth) {
		int kind = random.nextInt(depth > 2 ? 5 : 12);
		return switch (kind) {
			case 0 -> "{}";
			case 1 -> "{\"description\":" + JsonGen.string(random, 6).json() + "}";
			case 2 -> "{\"type\":\"string\"}";
			case 3 -> "{\"enum\":[" + JsonGen.value(random, true) + "," + JsonGen.value(random, true) + "]}";
			case 4 -> "{\"const\":" + JsonGen.value(random, true) + "}";
			case 5 -> "{\"properties\":" + properties(random, depth) + "}";
			case 6 -> "{\"items\":" + schema(random, depth + 1) + "}";
			case 7 -> "{\"anyOf\":[" + schema(random, depth + 1) + "," + schema(random, depth + 1) + "]}";
			case 8 -> "{\"type\":\"array\",\"items\":" + schema(random, depth + 1) + "}";
			case 9 -> "{\"type\":\"string\",\"anyOf\":[" + schema(random, depth + 1) + "," + schema(random, depth + 1) + "]}";
			case 10 -> "{\"enum\":[]" + (random.nextBoolean() ? ",\"type\":\"integer\"" : "") + "}";
			default -> "{\"$ref\":\"#/$defs/x\"}";
		};
	}

	@Test
	void everyGeneratedTurnIsTakenAndChangedOnlyByTheRepairs() {
		Tries.forAll("repairs", 300, RepairsPropertiesTest::generate, turn -> {
			upstream.reset();
			upstream.respond(FakeUpstream.json(200, COMPLETION));
			HttpResponse<String> response = http.send(request("/v1/chat/completions")
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer sk-repairs-property")
				.POST(HttpRequest.BodyPublishers.ofString(turn.body()))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			byte[] received = upstream.takeRequest().body();
			String text = new String(received, StandardCharsets.UTF_8);
			JsonNode sent = EXACT.readTree(turn.body());
			JsonNode got = EXACT.readTree(received);
			// kimi-for-coding always thinks; its -thinking model says so in the request; k3 does not think here
			boolean thinking = !turn.model().equals("k3");
			assertThat(got.get("model").asString()).isEqualTo(turn.model().equals("k3") ? "k3" : "kimi-for-coding");
			assertThat(got.has("thinking")).isEqualTo(turn.model().equals("kimi-for-coding-thinking"));
			int from = 0;
			for (int i = 0; i < turn.messages().size(); i++) {
				JsonNode before = sent.get("messages").get(i);
				JsonNode after = got.get("messages").get(i);
				if (before.equals(after)) {
					from = unchangedAt(text, turn.messages().get(i), from);
				}
				else {
					assertOnlyMessageRepairs((ObjectNode) before, after, thinking);
				}
			}
			assertThat(got.get("messages").size()).isEqualTo(turn.messages().size());
			for (int i = 0; i < turn.tools().size(); i++) {
				JsonNode before = sent.get("tools").get(i);
				JsonNode after = got.get("tools").get(i);
				if (before.equals(after)) {
					from = unchangedAt(text, turn.tools().get(i), from);
				}
				else {
					assertOnlyTypesAdded(before, after, "tools[" + i + "]");
				}
			}
		});
	}

	/**
	 * Found by the property above: a message or tool that a repair rewrites was rebuilt from a tree that read numbers
	 * as doubles, so {@code 1e999999} reached the upstream as the string {@code "Infinity"} and a number with more
	 * digits than a double holds was rounded. ChatRequest's mapper now reads floats as BigDecimal.
	 */
	@Test
	void aRepairedMessageKeepsItsNumbersExactly() throws Exception {
		upstream.respond(FakeUpstream.json(200, COMPLETION));
		String body = "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"assistant\",\"content\":\"\","
				+ "\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}],"
				+ "\"n\":1e999999,\"p\":0.10000000000000000000001}]}";
		assertThat(http.send(request("/v1/chat/completions").header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
		JsonNode message = EXACT.readTree(upstream.takeRequest().body()).at("/messages/0");
		assertThat(message.has("content")).isFalse();
		assertThat(message.get("n")).isEqualTo(EXACT.readTree("1e999999"));
		assertThat(message.get("p")).isEqualTo(EXACT.readTree("0.10000000000000000000001"));
	}

	/** The element's bytes appear as sent, after the previous unchanged one. */
	private static int unchangedAt(String received, String element, int from) {
		int at = received.indexOf(element, from);
		assertThat(at).as("unchanged element sent on byte for byte: " + element).isGreaterThanOrEqualTo(from);
		return at + element.length();
	}

	/** A tool-call message may lose a blank content and gain its reasoning; nothing else. */
	private static void assertOnlyMessageRepairs(ObjectNode before, JsonNode after, boolean thinking) {
		ObjectNode expected = before.deepCopy();
		assertThat(before.path("tool_calls").isArray()).as("only tool-call messages change: " + before).isTrue();
		if (!after.has("content") && before.has("content")) {
			JsonNode content = before.get("content");
			boolean blank = content.isString() ? content.asString().isBlank() : content.isArray();
			assertThat(blank).as("content dropped only when it says nothing: " + before).isTrue();
			expected.remove("content");
		}
		if (thinking && after.path("reasoning_content").isString()
				&& before.path("reasoning_content").asString("").isBlank()) {
			expected.set("reasoning_content", after.get("reasoning_content"));
		}
		assertSameJson(expected, after, "message");
	}

	/** The same JSON, numbers compared by value (exactly: nothing rounded), everything else as it is. */
	private static void assertSameJson(JsonNode expected, JsonNode actual, String path) {
		if (expected.isNumber() && actual.isNumber()) {
			assertThat(actual.decimalValue()).as(path).isEqualByComparingTo(expected.decimalValue());
		}
		else if (expected.isContainer()) {
			assertThat(actual.getNodeType()).as(path).isEqualTo(expected.getNodeType());
			assertThat(actual.size()).as(path).isEqualTo(expected.size());
			if (expected.isArray()) {
				for (int i = 0; i < expected.size(); i++) {
					assertSameJson(expected.get(i), actual.get(i), path + "[" + i + "]");
				}
			}
			else {
				expected.properties().forEach(field -> {
					assertThat(actual.has(field.getKey())).as(path + "." + field.getKey()).isTrue();
					assertSameJson(field.getValue(), actual.get(field.getKey()), path + "." + field.getKey());
				});
			}
		}
		else {
			assertThat(actual).as(path).isEqualTo(expected);
		}
	}

	/**
	 * A schema may gain a string {@code type} where it had none, lose a {@code type} beside {@code anyOf} (moved into
	 * the branches) and an empty {@code enum}; everything else as it was.
	 */
	private static void assertOnlyTypesAdded(JsonNode before, JsonNode after, String path) {
		if (before.isObject()) {
			assertThat(after.isObject()).as(path).isTrue();
			int removed = 0;
			for (Iterator<Map.Entry<String, JsonNode>> it = before.properties().iterator(); it.hasNext();) {
				Map.Entry<String, JsonNode> field = it.next();
				if (!after.has(field.getKey())) {
					boolean movedType = field.getKey().equals("type") && before.has("anyOf");
					boolean emptyEnum = field.getKey().equals("enum") && field.getValue().isArray()
							&& field.getValue().isEmpty();
					assertThat(movedType || emptyEnum).as(path + " lost " + field.getKey()).isTrue();
					removed++;
				}
			}
			for (Iterator<Map.Entry<String, JsonNode>> it = after.properties().iterator(); it.hasNext();) {
				Map.Entry<String, JsonNode> field = it.next();
				if (!before.has(field.getKey())) {
					assertThat(field.getKey()).as(path + " gained").isEqualTo("type");
					assertThat(field.getValue().isString()).as(path).isTrue();
				}
				else {
					assertOnlyTypesAdded(before.get(field.getKey()), field.getValue(), path + "." + field.getKey());
				}
			}
			assertThat(after.size()).as(path).isGreaterThanOrEqualTo(before.size() - removed);
		}
		else if (before.isArray()) {
			assertThat(after.size()).as(path).isEqualTo(before.size());
			for (int i = 0; i < before.size(); i++) {
				assertOnlyTypesAdded(before.get(i), after.get(i), path + "[" + i + "]");
			}
		}
		else if (before.isNumber() && after.isNumber()) {
			// the same number (JSON does not tell 5.2e15 from 5200000000000000), exactly: no rounding
			assertThat(after.decimalValue()).as(path).isEqualByComparingTo(before.decimalValue());
		}
		else {
			assertThat(after).as(path).isEqualTo(before);
		}
	}

}
