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
