package dev.kimicode2api.answer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseEvents;
import dev.kimicode2api.wire.Usage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the answer's first reader puts in the request's context, fed as {@link AnswerReaderGlobalFilter} feeds it: a
 * plain answer in pieces, a stream cut into events by {@link SseEvents}.
 */
class AnswerFactsTest {

	@Test
	void findsUsageAtTheEndOfAPlainBodySplitAnywhere() {
		byte[] body = "{\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}"
			.getBytes(StandardCharsets.UTF_8);
		for (int split = 1; split < body.length; split += 7) {
			RequestContext context = context(false);
			plain(context, Arrays.copyOfRange(body, 0, split), Arrays.copyOfRange(body, split, body.length));
			assertThat(context.usage()).isEqualTo(new Usage(11, 7, 18));
		}
	}

	@Test
	void findsTheFinalUsageChunkOfAStreamSplitAcrossBuffers() {
		RequestContext context = stream(false, "data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\ndata: {\"choices\":[],\"us",
				"age\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\ndata: [DONE]\n\n");
		assertThat(context.usage()).isEqualTo(new Usage(5, 2, 7));
	}

	@Test
	void findsKimisUsageInsideTheFinishingChoiceOfAStream() {
		RequestContext context = stream(false, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n",
				"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":"
						+ "{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13,\"cached_tokens\":3}}]}\n\ndata: [DONE]\n\n");
		assertThat(context.usage()).isEqualTo(new Usage(9, 4, 13, 0, 3));
	}

	@Test
	void forATracedRequestAPlainBodyGivesItsModelAndFinishReasonsAlsoWhenLong() {
		String content = "x".repeat(100_000); // the model is at the head, the usage at the end
		byte[] body = ("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"kimi-for-coding\",\"choices\":["
				+ "{\"index\":0,\"message\":{\"content\":\"" + content + " \\\"finish_reason\\\": \\\"fake\\\"\"},"
				+ "\"finish_reason\":\"length\"},{\"index\":1,\"message\":{\"content\":\"y\"},\"finish_reason\": \"stop\"}],"
				+ "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}").getBytes(StandardCharsets.UTF_8);
		RequestContext traced = context(true);
		byte[][] pieces = new byte[(body.length + 8191) / 8192][];
		for (int at = 0, i = 0; at < body.length; at += 8192, i++) {
			pieces[i] = Arrays.copyOfRange(body, at, Math.min(body.length, at + 8192));
		}
		plain(traced, pieces);
		assertThat(traced.usage()).isEqualTo(new Usage(1, 2, 3));
		assertThat(traced.responseModel()).isEqualTo("kimi-for-coding");
		assertThat(traced.finishReasons()).containsExactly("length", "stop"); // not the quoted text in the content

		RequestContext untraced = context(false);
		plain(untraced, body);
		assertThat(untraced.responseModel()).isNull();
		assertThat(Objects.requireNonNullElse(untraced.finishReasons(), List.of())).isEmpty();
	}

	@Test
	void forATracedRequestAStreamGivesTheFinishReasonOfAChunkWithoutUsageAndAnthropicsStopReason() {
		RequestContext openAi = stream(true, "data: {\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
				+ "\"finish_reason\":null}]}\n\ndata: {\"model\":\"m1\",\"choices\":[{\"index\":0,\"delta\":{},"
				+ "\"finish_reason\": \"tool_calls\"}]}\n\ndata: [DONE]\n\n");
		assertThat(openAi.usage()).isNull();
		assertThat(openAi.finishReasons()).containsExactly("tool_calls");
		assertThat(openAi.responseModel()).isEqualTo("m1");

		RequestContext anthropic = stream(true, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"k\","
				+ "\"stop_reason\":null,\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n"
				+ "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
				+ "\"usage\":{\"output_tokens\":6}}\n\n");
		assertThat(anthropic.usage()).isEqualTo(new Usage(4, 6, 10));
		assertThat(anthropic.finishReasons()).containsExactly("end_turn");
		assertThat(anthropic.responseModel()).isEqualTo("k");
	}

	private static RequestContext context(boolean traced) {
		RequestContext context = RequestContext.of(MockServerWebExchange.from(MockServerHttpRequest.post("/")));
		context.traced(traced);
		return context;
	}

	private static void plain(RequestContext context, byte[]... pieces) {
		AnswerReaderGlobalFilter.PlainAnswer answer = new AnswerReaderGlobalFilter.PlainAnswer();
		for (byte[] piece : pieces) {
			answer.copy(wrap(piece));
		}
		answer.read(context);
	}

	private static RequestContext stream(boolean traced, String... pieces) {
		RequestContext context = context(traced);
		AnswerFacts facts = new AnswerFacts(context);
		SseEvents events = new SseEvents();
		for (String piece : pieces) {
			events.accept(wrap(piece.getBytes(StandardCharsets.UTF_8))).forEach(facts::event);
		}
		return context;
	}

	private static DataBuffer wrap(byte[] bytes) {
		return DefaultDataBufferFactory.sharedInstance.wrap(bytes);
	}

}
