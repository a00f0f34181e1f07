package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** One event of a stream: its data found once, its chunk parsed once whoever asks, rewritten with its other lines kept. */
class SseEventTest {

	@Test
	void itsChunkIsParsedOnceAndKeptForEveryReader() {
		SseEvent event = event("data: {\"model\":\"m\",\"choices\":[]}\n\n");
		ChatChunk first = event.chunk();
		assertThat(first.model()).isEqualTo("m");
		assertThat(event.chunk()).isSameAs(first);
	}

	@Test
	void whetherItMentionsUsageIsAnsweredFromItsOwnBytesOnly() {
		byte[] stream = "data: {\"choices\":[]}\n\ndata: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n"
			.getBytes(StandardCharsets.US_ASCII);
		SseEvent first = new SseEvent(stream, 0, 22);
		SseEvent second = new SseEvent(stream, 22, stream.length);
		assertThat(first.mentionsUsage()).isFalse(); // the next event's "usage" in the same array is not its own
		assertThat(second.mentionsUsage()).isTrue();
		assertThat(second.mentionsUsage()).isTrue(); // asked again, by the next reader
		assertThat(event("data: {\"note\":\"usage\"}\n\n").mentionsUsage()).isTrue(); // a search, not a parse
		assertThat(event(": usage\n\n").mentionsUsage()).isFalse();
	}

	@Test
	void doneCommentsAndWhatIsNotJsonHaveNoChunk() {
		assertThat(event("data: [DONE]\n\n").isDone()).isTrue();
		assertThat(event("data:  [DONE] \r\n\r\n").isDone()).isTrue();
		assertThat(event("data: [DONE]\n\n").chunk()).isNull();
		assertThat(event(": keep-alive\n\n").chunk()).isNull();
		assertThat(event(": keep-alive\n\n").data()).isNull();
		assertThat(event("data: {\"cut\":\n\n").chunk()).isNull();
		assertThat(event("data: [1]\n\n").chunk()).isNull();
		assertThat(event("data: {\"choices\":[]}\n\n").isDone()).isFalse();
	}

	@Test
	void aPayloadOnSeveralDataLinesIsJoinedAsTheSpecSays() {
		SseEvent event = event("event: message\ndata: {\"model\":\ndata: \"m\"}\r\n\r\n");
		assertThat(new String(event.data(), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\n\"m\"}");
		assertThat(event.chunk().model()).isEqualTo("m");
	}

	@Test
	void aRewriteReplacesOnlyTheDataAndCarriesItsOwnChunk() {
		SseEvent event = event("event: chunk\ndata:{\"a\":1}\r\nid: 7\r\n\r\n");
		ChatChunk written = ChatChunk.read("{\"model\":\"w\"}".getBytes(StandardCharsets.UTF_8));
		SseEvent rewritten = event.withData("{\"b\":2}".getBytes(StandardCharsets.UTF_8), written);
		assertThat(rewritten).hasToString("event: chunk\ndata:{\"b\":2}\r\nid: 7\r\n\r\n");
		assertThat(rewritten.chunk()).isSameAs(written);
	}

	@Test
	void findsAMembersTextValueButNotItsNull() {
		byte[] reason = "_reason\"".getBytes(StandardCharsets.US_ASCII);
		assertThat(event("data: {\"finish_reason\": \"stop\"}\n\n").namesText(reason)).isTrue();
		assertThat(event("data: {\"finish_reason\":null}\n\n").namesText(reason)).isFalse();
		assertThat(event("data: {\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n").namesText(reason)).isTrue();
	}

	private static SseEvent event(String text) {
		return SseEvent.of(text.getBytes(StandardCharsets.UTF_8));
	}

}
