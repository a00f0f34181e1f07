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

	private static DataBuffer wrap(byte[] bytes) {
		return DefaultDataBufferFactory.sharedInstance.wrap(bytes);
	}

}
