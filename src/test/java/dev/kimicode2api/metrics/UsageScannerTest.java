package dev.kimicode2api.metrics;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

import dev.kimicode2api.wire.Usage;

import static org.assertj.core.api.Assertions.assertThat;

class UsageScannerTest {

	@Test
	void findsUsageAtTheEndOfAPlainBodySplitAnywhere() {
		byte[] body = "{\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}"
			.getBytes(StandardCharsets.UTF_8);
		for (int split = 1; split < body.length; split += 7) {
			UsageScanner scanner = new UsageScanner(false);
			scanner.accept(wrap(java.util.Arrays.copyOfRange(body, 0, split)));
			scanner.accept(wrap(java.util.Arrays.copyOfRange(body, split, body.length)));
			assertThat(scanner.finish()).isEqualTo(new Usage(11, 7, 18));
		}
	}

	@Test
	void findsTheFinalUsageChunkOfAStreamSplitAcrossBuffers() {
		UsageScanner scanner = new UsageScanner(true);
		scanner.accept(wrap("data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\ndata: {\"choices\":[],\"us".getBytes()));
		scanner.accept(wrap("age\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\ndata: [DONE]\n\n".getBytes()));
		assertThat(scanner.finish()).isEqualTo(new Usage(5, 2, 7));
	}

	@Test
	void findsKimisUsageInsideTheFinishingChoiceOfAStream() {
		UsageScanner scanner = new UsageScanner(true);
		scanner.accept(wrap("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n".getBytes()));
		scanner.accept(wrap(("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":"
				+ "{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13,\"cached_tokens\":3}}]}\n\ndata: [DONE]\n\n")
			.getBytes()));
		assertThat(scanner.finish()).isEqualTo(new Usage(9, 4, 13, 0, 3));
	}

	@Test
	void forATracedRequestAPlainBodyGivesItsModelAndFinishReasonsAlsoWhenLong() {
		String content = "x".repeat(100_000); // the model is at the head, far outside the tail kept for the usage
		byte[] body = ("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"kimi-for-coding\",\"choices\":["
				+ "{\"index\":0,\"message\":{\"content\":\"" + content + " \\\"finish_reason\\\": \\\"fake\\\"\"},"
				+ "\"finish_reason\":\"length\"},{\"index\":1,\"message\":{\"content\":\"y\"},\"finish_reason\": \"stop\"}],"
				+ "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}").getBytes(StandardCharsets.UTF_8);
		UsageScanner scanner = new UsageScanner(false, true);
		for (int at = 0; at < body.length; at += 8192) {
			scanner.accept(wrap(java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + 8192))));
		}
		assertThat(scanner.finish()).isEqualTo(new Usage(1, 2, 3));
		assertThat(scanner.model()).isEqualTo("kimi-for-coding");
		assertThat(scanner.finishReasons()).containsExactly("length", "stop"); // not the quoted text in the content

		UsageScanner untraced = new UsageScanner(false);
		untraced.accept(wrap(body));
		untraced.finish();
		assertThat(untraced.model()).isNull();
		assertThat(untraced.finishReasons()).isEmpty();
	}

	@Test
	void forATracedRequestAStreamGivesTheFinishReasonOfAChunkWithoutUsageAndAnthropicsStopReason() {
		UsageScanner openAi = new UsageScanner(true, true);
		openAi.accept(wrap(("data: {\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
				+ "\"finish_reason\":null}]}\n\ndata: {\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{},"
				+ "\"finish_reason\": \"tool_calls\"}]}\n\ndata: [DONE]\n\n").getBytes()));
		assertThat(openAi.finish()).isNull();
		assertThat(openAi.finishReasons()).containsExactly("tool_calls");
		assertThat(openAi.model()).isEqualTo("m1");

		UsageScanner anthropic = new UsageScanner(true, true);
		anthropic.accept(wrap(("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"k\","
				+ "\"stop_reason\":null,\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n"
				+ "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
				+ "\"usage\":{\"output_tokens\":6}}\n\n").getBytes()));
		assertThat(anthropic.finish()).isEqualTo(new Usage(4, 6, 10));
		assertThat(anthropic.finishReasons()).containsExactly("end_turn");
		assertThat(anthropic.model()).isEqualTo("k");
	}

	private static DataBuffer wrap(byte[] bytes) {
		return DefaultDataBufferFactory.sharedInstance.wrap(bytes);
	}

}
