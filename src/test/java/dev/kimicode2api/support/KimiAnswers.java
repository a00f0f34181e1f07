package dev.kimicode2api.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers a chat completion as Kimi For Coding does today ({@code ../shared/kimi-today.md}): a thinking request
 * reasons first, and the reasoning is spent from the same {@code max_tokens} budget as the answer (so a short limit
 * comes back with empty content and {@code finish_reason: "length"}); with tools and a user's turn last, it calls the
 * first tool (Kimi's {@code functions.<name>:<n>} ids); a stream sends reasoning deltas, then content, then a
 * finishing chunk that carries the usage inside {@code choices[0]}, then {@code [DONE]}; the answer's {@code model}
 * is always {@code kimi-for-coding}. Every word is one token.
 */
public final class KimiAnswers {

	private static final ObjectMapper JSON = new ObjectMapper();

	/** What a thinking request reasons, word by word. */
	public static final List<String> REASONING = List.of("The", "user", "asks", "something;", "I", "answer", "it",
			"plainly", "and", "briefly.");

	public static final List<String> ANSWER = List.of("Hello", "from", "Kimi.");

	private KimiAnswers() {
	}

	public static FakeUpstream.Behaviour today() {
		return (request, response) -> {
			JsonNode body = JSON.readTree(request.body());
			List<String> reasoning = KimiRules.thinks(body) ? REASONING : List.of();
			long budget = body.path("max_completion_tokens").asLong(body.path("max_tokens").asLong(Long.MAX_VALUE));
			List<String> reasoned = take(reasoning, budget);
			budget -= reasoned.size();
			JsonNode messages = body.path("messages");
			String lastRole = messages.path(messages.size() - 1).path("role").asString("");
			boolean callsTool = body.path("tools").isArray() && !body.path("tools").isEmpty() && lastRole.equals("user")
					&& !"none".equals(body.path("tool_choice").asString(""));
			String toolName = callsTool ? body.path("tools").path(0).path("function").path("name").asString("tool") : null;
			List<String> answered = callsTool ? List.of() : take(ANSWER, budget);
			boolean cut = reasoned.size() < reasoning.size() || !callsTool && answered.size() < ANSWER.size()
					|| callsTool && budget <= 0;
			String finish = cut ? "length" : callsTool ? "tool_calls" : "stop";
			long completion = reasoned.size() + answered.size() + (callsTool && !cut ? 1 : 0);
			ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", 10L * messages.size())
				.put("completion_tokens", completion).put("total_tokens", 10L * messages.size() + completion)
				.put("cached_tokens", 0);
			usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoned.size());
			String callId = "functions." + toolName + ":0";
			if (!body.path("stream").asBoolean(false)) {
				ObjectNode root = root("chat.completion");
				ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
				ObjectNode message = choice.putObject("message").put("role", "assistant")
					.put("content", String.join(" ", answered));
				if (!reasoned.isEmpty()) {
					message.put("reasoning_content", String.join(" ", reasoned));
				}
				if (callsTool && !cut) {
					ObjectNode call = message.putArray("tool_calls").addObject().put("id", callId).put("type", "function");
					call.putObject("function").put("name", toolName).put("arguments", "{}");
				}
				choice.put("finish_reason", finish);
				root.set("usage", usage);
				return FakeUpstream.json(200, JSON.writeValueAsString(root)).apply(request, response);
			}
			List<String> events = new ArrayList<>();
			events.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", "")));
			for (int i = 0; i < reasoned.size(); i++) {
				events.add(chunk(JSON.createObjectNode().put("reasoning_content", (i == 0 ? "" : " ") + reasoned.get(i))));
			}
			for (int i = 0; i < answered.size(); i++) {
				events.add(chunk(JSON.createObjectNode().put("content", (i == 0 ? "" : " ") + answered.get(i))));
			}
			if (callsTool && !cut) {
				ObjectNode delta = JSON.createObjectNode();
				ObjectNode call = delta.putArray("tool_calls").addObject().put("index", 0).put("id", callId)
					.put("type", "function");
				call.putObject("function").put("name", toolName).put("arguments", "");
				events.add(chunk(delta));
				ObjectNode arguments = JSON.createObjectNode();
				arguments.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", "{}");
				events.add(chunk(arguments));
			}
			ObjectNode last = root("chat.completion.chunk");
			ObjectNode choice = last.putArray("choices").addObject().put("index", 0);
			choice.putObject("delta");
			choice.put("finish_reason", finish);
			choice.set("usage", usage);
			events.add("data: " + JSON.writeValueAsString(last));
			events.add("data: [DONE]");
			return response.header("Content-Type", "text/event-stream")
				.sendString(Flux.fromIterable(events).delayElements(Duration.ofMillis(2)).map(e -> e + "\n\n"),
						StandardCharsets.UTF_8)
				.then();
		};
	}

	private static List<String> take(List<String> words, long budget) {
		return budget >= words.size() ? words : words.subList(0, (int) Math.max(0, budget));
	}

	private static ObjectNode root(String object) {
		return JSON.createObjectNode().put("id", "chatcmpl-kimi").put("object", object).put("created", 1761264000)
			.put("model", "kimi-for-coding");
	}

	private static String chunk(ObjectNode delta) {
		ObjectNode root = root("chat.completion.chunk");
		ArrayNode choices = root.putArray("choices");
		ObjectNode choice = choices.addObject().put("index", 0);
		choice.set("delta", delta);
		choice.putNull("finish_reason");
		return "data: " + JSON.writeValueAsString(root);
	}


}
