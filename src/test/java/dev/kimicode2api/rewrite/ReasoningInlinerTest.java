package dev.kimicode2api.rewrite;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.SseEvent;
import dev.kimicode2api.wire.SseEvents;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reasoning moved into content as {@code <think>…</think>} by splicing the event's bytes: exactly these bytes change,
 * escapes and spacing stay as the upstream wrote them, and the events after carry what was written.
 */
class ReasoningInlinerTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void aStreamsReasoningOpensThinkAndTheFirstContentClosesItWithEveryOtherByteKept() {
		ReasoningInliner inliner = new ReasoningInliner();
		List<String> out = inline(inliner,
				"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"Caf\\u00e9 \"}, \"finish_reason\":null}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"\\\"hm\\\"\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" ok\"}}]}\n\n");

		assertThat(out).containsExactly(
				"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"<think>Caf\\u00e9 \"}, \"finish_reason\":null}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"hm\\\"\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"</think>42\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" ok\"}}]}\n\n");
	}

	@Test
	void aToolCallOrAFinishClosesThinkWhereThereIsNoContentToCarryIt() {
		ReasoningInliner toolCall = new ReasoningInliner();
		List<String> out = inline(toolCall, "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"r\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\"}]}}]}\n\n");
		assertThat(out.get(1)).isEqualTo(
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\"}],\"content\":\"</think>\"}}]}\n\n");

		ReasoningInliner finish = new ReasoningInliner();
		out = inline(finish, "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"r\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{ },\"finish_reason\":\"stop\"}]}\n\n");
		assertThat(out.get(1)).isEqualTo(
				"data: {\"choices\":[{\"index\":0,\"delta\":{ \"content\":\"</think>\"},\"finish_reason\":\"stop\"}]}\n\n");
	}

	/** The reasoning member leaves with one comma; the spaces around it stay where the upstream put them. */
	@Test
	void reasoningAndContentInOneDeltaBecomeOneContentWhicheverComesFirst() {
		assertThat(inline(new ReasoningInliner(),
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"r\", \"content\":\"c\"}}]}\n\n"))
			.containsExactly("data: {\"choices\":[{\"index\":0,\"delta\":{ \"content\":\"<think>r</think>c\"}}]}\n\n");
		assertThat(inline(new ReasoningInliner(),
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\" ,\"reasoning_content\":\"r\"}}]}\n\n"))
			.containsExactly("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<think>r</think>c\" }}]}\n\n");
		assertThat(inline(new ReasoningInliner(),
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"\",\"content\":null}}]}\n\n"))
			.containsExactly("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}\n\n");
	}

	@Test
	void eachChoiceHasItsOwnThinkAndEventsWithoutReasoningPassAsTheyCame() {
		ReasoningInliner inliner = new ReasoningInliner();
		List<SseEvent> events = new SseEvents().accept(("data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"a\"}},"
				+ "{\"index\":1,\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
		List<SseEvent> out = inliner.accept(events);
		assertThat(out.get(0)).hasToString("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<think>a\"}},"
				+ "{\"index\":1,\"delta\":{\"content\":\"b\"}}]}\n\n");
		assertThat(out.get(1)).isSameAs(events.get(1));
		// the event carries the chunk it now says, so a reader after it (the Responses bridge) parses nothing
		ChatChunk written = out.get(0).chunk();
		assertThat(written.choices().get(0).delta().content()).isEqualTo("<think>a");
		assertThat(written.choices().get(0).delta().reasoningContent()).isNull();

		List<SseEvent> plain = new SseEvents().accept("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
			.getBytes(StandardCharsets.UTF_8));
		assertThat(new ReasoningInliner().accept(plain)).isSameAs(plain);
	}

	@Test
	void aPlainAnswersMessagesGetTheirReasoningInFrontOfTheirContent() {
		assertThat(inlineMessage("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"reasoning_content\":\"Let me think.\","
				+ "\"content\":\"42\"},\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":12}}"))
			.isEqualTo("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"<think>Let me think.</think>42\"},"
					+ "\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":12}}");
		assertThat(inlineMessage("{\"choices\":[{\"message\":{\"reasoning_content\":\"r\",\"tool_calls\":[]}}]}"))
			.isEqualTo("{\"choices\":[{\"message\":{\"content\":\"<think>r</think>\",\"tool_calls\":[]}}]}");
		assertThat(inlineMessage("{\"choices\":[{\"message\":{\"content\":null,\"reasoning_content\":\"\"}}]}"))
			.isEqualTo("{\"choices\":[{\"message\":{\"content\":\"\"}}]}");
		String untouched = "{\"choices\":[{\"message\":{\"content\":\"only\"}}]}";
		byte[] body = untouched.getBytes(StandardCharsets.UTF_8);
		assertThat(ReasoningInliner.inlineMessage(body, ChatChunk.read(body))).isSameAs(body);
	}

	private static List<String> inline(ReasoningInliner inliner, String... events) {
		List<String> out = new ArrayList<>();
		for (String event : events) {
			for (SseEvent rewritten : inliner.accept(new SseEvents().accept(event.getBytes(StandardCharsets.UTF_8)))) {
				String text = rewritten.toString();
				JSON.readTree(text.substring(text.indexOf('{'))); // still one JSON object
				out.add(text);
			}
		}
		return out;
	}

	private static String inlineMessage(String answer) {
		byte[] body = answer.getBytes(StandardCharsets.UTF_8);
		String rewritten = new String(ReasoningInliner.inlineMessage(body, ChatChunk.read(body)), StandardCharsets.UTF_8);
		JSON.readTree(rewritten);
		return rewritten;
	}

}
