package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatChunkTest {

	@Test
	void readsKimisFinishingChunkWithItsUsageInsideTheChoice() {
		ChatChunk chunk = read("{\"id\":\"c\",\"model\":\"kimi-for-coding\",\"choices\":[{\"index\":0,\"delta\":{},"
				+ "\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13,"
				+ "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}]}");
		assertThat(chunk.model()).isEqualTo("kimi-for-coding");
		assertThat(chunk.usage()).isNull();
		assertThat(chunk.choices().get(0).finishReason()).isEqualTo("stop");
		assertThat(Usage.of(chunk.reportedUsage(), null)).isEqualTo(new Usage(9, 4, 13, 3, 0));
	}

	@Test
	void prefersTheTopLevelUsageOpenAiSends() {
		ChatChunk chunk = read("{\"choices\":[{\"index\":0,\"delta\":{},\"usage\":{\"prompt_tokens\":1}}],"
				+ "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}");
		assertThat(Usage.of(chunk.reportedUsage(), null)).isEqualTo(new Usage(2, 1, 3));
	}

	@Test
	void passesOverArrayEntriesThatAreNotObjectsAndKeepsReadingTheRest() {
		ChatChunk chunk = read("{\"choices\":[null,[1,{\"x\":2}],7,{\"index\":0,\"delta\":{\"reasoning_content\":\"r\","
				+ "\"content\":\"c\",\"tool_calls\":[\"odd\",{\"index\":1,\"id\":\"call\",\"function\":{\"name\":\"f\","
				+ "\"arguments\":\"{}\"}}]}}]}");
		assertThat(chunk.choices()).hasSize(1);
		ChatChunk.Delta delta = chunk.choices().get(0).delta();
		assertThat(delta.reasoningContent()).isEqualTo("r");
		assertThat(delta.content()).isEqualTo("c");
		assertThat(delta.toolCalls()).containsExactly(new ChatChunk.ToolCallDelta(1, "call", "f", "{}"));
	}

	@Test
	void readsAnthropicsModelUsageAndStopReasonWhereverEachEventPutsThem() {
		ChatChunk start = read("{\"type\":\"message_start\",\"message\":{\"id\":\"msg\",\"model\":\"k\","
				+ "\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}");
		assertThat(start.model()).isEqualTo("k");
		assertThat(Usage.of(start.reportedUsage(), null)).isEqualTo(new Usage(4, 1, 5));
		assertThat(start.stopReason()).isNull();

		ChatChunk delta = read("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
				+ "\"usage\":{\"output_tokens\":6}}");
		assertThat(delta.stopReason()).isEqualTo("end_turn");
		assertThat(Usage.of(delta.reportedUsage(), Usage.of(start.reportedUsage(), null))).isEqualTo(new Usage(4, 6, 10));

		ChatChunk text = read("{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}");
		assertThat(text.stopReason()).isNull();
		assertThat(text.reportedUsage()).isNull();

		ChatChunk message = read("{\"id\":\"msg\",\"type\":\"message\",\"model\":\"k\",\"stop_reason\":\"max_tokens\","
				+ "\"usage\":{\"input_tokens\":2,\"output_tokens\":3}}");
		assertThat(message.stopReason()).isEqualTo("max_tokens");
		assertThat(message.model()).isEqualTo("k");
	}

	@Test
	void saysWhereADeltasReasoningAndContentLieInItsBytes() {
		String json = "  {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\", \"reasoning_content\" : \"a\\u00e9\","
				+ "\"content\":null,\"tool_calls\":[]} }]}";
		byte[] bytes = ("xx" + json).getBytes(StandardCharsets.UTF_8);
		ChatChunk.Delta delta = ChatChunk.read(bytes, 2, bytes.length - 2).choices().get(0).delta();
		ChatChunk.Members at = delta.members();
		assertThat(json.substring(at.reasoning(), at.reasoningEnd())).isEqualTo("\"reasoning_content\" : \"a\\u00e9\"");
		assertThat(json.substring(at.reasoningValue(), at.reasoningEnd())).isEqualTo("\"a\\u00e9\"");
		assertThat(json.substring(at.contentValue(), at.contentEnd())).isEqualTo("null");
		assertThat(json.charAt(at.close())).isEqualTo('}');
		assertThat(json.substring(at.close() + 1)).isEqualTo(" }]}");
		assertThat(at.toolCalls()).isTrue();
		assertThat(delta.reasoningContent()).isEqualTo("aé");
		assertThat(delta.content()).isNull();

		ChatChunk.Members none = read("{\"choices\":[{\"delta\":{}}]}").choices().get(0).delta().members();
		assertThat(none.reasoning()).isEqualTo(-1);
		assertThat(none.contentValue()).isEqualTo(-1);
		assertThat(none.toolCalls()).isFalse();
	}

	@Test
	void aValueOfAnotherTypeCountsAsAbsent() {
		ChatChunk chunk = read("{\"model\":{\"no\":1},\"choices\":{\"index\":0},\"usage\":null}");
		assertThat(chunk.model()).isNull();
		assertThat(chunk.choices()).isEmpty();
		assertThat(chunk.reportedUsage()).isNull();
	}

	@Test
	void refusesWhatIsNotOneJsonObject() {
		assertThatThrownBy(() -> read("[1]")).isInstanceOf(JacksonException.class);
		assertThatThrownBy(() -> read("{} {}")).isInstanceOf(JacksonException.class);
	}

	private static ChatChunk read(String json) {
		return ChatChunk.read(json.getBytes(StandardCharsets.UTF_8));
	}

}
