package dev.kimicode2api.metrics;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

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

	private static DataBuffer wrap(byte[] bytes) {
		return DefaultDataBufferFactory.sharedInstance.wrap(bytes);
	}

}
