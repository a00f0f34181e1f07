package dev.kimicode2api.observability;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.OtlpReceiver;

import static dev.kimicode2api.support.OtlpReceiver.attribute;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tracing on, as an operator switches it on: the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT} pointing at an OTLP/HTTP
 * receiver (a real HTTP server in the test, decoding with the OpenTelemetry protobuf classes), every request sampled.
 * Each model call is one client span with the GenAI attributes, on the chat, Responses and Anthropic routes, plain and
 * streamed; the client's {@code traceparent} is continued and the span's own reaches the upstream; metrics go over
 * OTLP too.
 */
class TracingTest extends GatewayTest {

	/** Spans of canned answers for minimal bodies, which today's Kimi would refuse before answering. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final OtlpReceiver receiver = new OtlpReceiver();

	static final Duration WAIT = Duration.ofSeconds(20);

	@DynamicPropertySource
	static void tracing(DynamicPropertyRegistry registry) {
		registry.add("OTEL_EXPORTER_OTLP_ENDPOINT", receiver::baseUrl);
		registry.add("management.tracing.sampling.probability", () -> "1.0");
		registry.add("management.opentelemetry.tracing.export.schedule-delay", () -> "100ms");
		registry.add("management.otlp.metrics.export.step", () -> "1s");
		// What OtlpMetricsEnvironmentPostProcessor derives from OTEL_EXPORTER_OTLP_ENDPOINT (a real environment
		// variable, before the context exists; OtlpSettingsTest): properties of this kind arrive too late for it.
		registry.add("management.otlp.metrics.export.enabled", () -> "true");
		registry.add("management.otlp.metrics.export.url", () -> receiver.baseUrl() + "/v1/metrics");
	}

	/** A client's W3C trace context: a fresh trace id and the client's own span id. */
	record ClientTrace(String traceId, String spanId) {

		static ClientTrace random() {
			byte[] trace = new byte[16];
			byte[] span = new byte[8];
			ThreadLocalRandom.current().nextBytes(trace);
			ThreadLocalRandom.current().nextBytes(span);
			return new ClientTrace(HexFormat.of().formatHex(trace), HexFormat.of().formatHex(span));
		}

		String traceparent() {
			return "00-" + traceId + "-" + spanId + "-01";
		}

		boolean owns(Span span) {
			return hex(span.getTraceId().toByteArray()).equals(traceId);
		}

	}

	static String hex(byte[] bytes) {
		return HexFormat.of().formatHex(bytes);
	}

	static String text(Span span, String key) {
		AnyValue value = attribute(span, key);
		return value == null ? null : value.getStringValue();
	}

	static Long number(Span span, String key) {
		AnyValue value = attribute(span, key);
		return value == null ? null : value.getIntValue();
	}

	static List<String> strings(Span span, String key) {
		AnyValue value = attribute(span, key);
		return value == null ? null : value.getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList();
	}

	/** The span's context reached the upstream: same trace, the gateway's span as parent, sampled. */
	static void assertUpstreamContinues(Received received, ClientTrace client, Span span) {
		String traceparent = received.headers().get("traceparent");
		assertThat(traceparent).isEqualTo("00-" + client.traceId() + "-" + hex(span.getSpanId().toByteArray()) + "-01");
	}

	@Test
	void aPlainChatCompletionIsOneClientSpanWithTheGenAiAttributes() throws Exception {
		ClientTrace client = ClientTrace.random();
		upstream.respond(FakeUpstream.json(200, """
				{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"kimi-for-coding","choices":[{"index":0,\
				"message":{"role":"assistant","content":"4"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,\
				"completion_tokens":7,"total_tokens":18,"completion_tokens_details":{"reasoning_tokens":3}}}"""));
		HttpResponse<String> response = postJson("/v1/chat/completions", """
				{"model":"kimi-for-coding-thinking","max_tokens":256,"messages":[{"role":"user",\
				"content":"a private prompt"}]}""", "Authorization", "Bearer sk-t", "traceparent", client.traceparent());
		assertThat(response.statusCode()).isEqualTo(200);
		Received received = upstream.takeRequest();

		Span span = receiver.awaitSpan(client::owns, WAIT);
		assertThat(span.getName()).isEqualTo("chat kimi-for-coding-thinking");
		assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
		assertThat(hex(span.getParentSpanId().toByteArray())).isEqualTo(client.spanId());
		assertUpstreamContinues(received, client, span);
		assertThat(text(span, "gen_ai.operation.name")).isEqualTo("chat");
		assertThat(text(span, "gen_ai.provider.name")).isEqualTo("moonshot_ai");
		assertThat(text(span, "gen_ai.request.model")).isEqualTo("kimi-for-coding-thinking");
		assertThat(text(span, "kimicode2api.upstream.model")).isEqualTo("kimi-for-coding");
		assertThat(text(span, "gen_ai.response.model")).isEqualTo("kimi-for-coding");
		// as sent upstream: kimi-for-coding always thinks, so the route's headroom for reasoning is added
		assertThat(number(span, "gen_ai.request.max_tokens")).isEqualTo(256 + 4096);
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
		assertThat(number(span, "gen_ai.usage.input_tokens")).isEqualTo(11);
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(7);
		assertThat(number(span, "gen_ai.usage.reasoning.output_tokens")).isEqualTo(3);
		assertThat(text(span, "server.address")).isEqualTo("127.0.0.1");
		assertThat(number(span, "server.port")).isEqualTo(upstream.port());
		assertThat(text(span, "kimicode2api.route.id")).isEqualTo("kimi-chat");
		assertThat(number(span, "http.response.status_code")).isEqualTo(200);
		assertThat(attribute(span, "error.type")).isNull();
		assertThat(attribute(span, "gen_ai.response.time_to_first_chunk")).isNull();
		assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
		// No content unless kimicode.observability.capture-content says so.
		assertThat(attribute(span, "gen_ai.input.messages")).isNull();
		assertThat(span.toString()).doesNotContain("a private prompt", "sk-t");
		assertThat(receiver.contentTypes()).allMatch("application/x-protobuf"::equals);
	}

	@Test
	void aKimiStreamGivesFinishReasonUsageAndTimeToFirstChunk() throws Exception {
		ClientTrace client = ClientTrace.random();
		String chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"kimi-for-coding\",\"choices\":[%s]}";
		upstream.respond(FakeUpstream.sse(List.of(
				chunk.formatted("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"hm\"},\"finish_reason\":null}"),
				chunk.formatted("{\"index\":0,\"delta\":{\"content\":\"he\"},\"finish_reason\":null}"),
				// Kimi puts the stream's usage inside the finishing choice
				chunk.formatted("{\"index\":0,\"delta\":{},\"finish_reason\":\"length\",\"usage\":{\"prompt_tokens\":9,"
						+ "\"completion_tokens\":4,\"total_tokens\":13}}"),
				"data: [DONE]"), Duration.ofMillis(10)));
		HttpResponse<String> response = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding\",\"stream\":true,\"max_completion_tokens\":4}", "traceparent",
				client.traceparent());
		assertThat(response.body()).contains("[DONE]");
		Received received = upstream.takeRequest();

		Span span = receiver.awaitSpan(client::owns, WAIT);
		assertUpstreamContinues(received, client, span);
		assertThat(span.getName()).isEqualTo("chat kimi-for-coding");
		assertThat(attribute(span, "gen_ai.request.stream").getBoolValue()).isTrue();
		assertThat(number(span, "gen_ai.request.max_tokens")).isEqualTo(4 + 4096); // with the headroom, as sent
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("length");
		assertThat(text(span, "gen_ai.response.model")).isEqualTo("kimi-for-coding");
		assertThat(number(span, "gen_ai.usage.input_tokens")).isEqualTo(9);
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(4);
		assertThat(attribute(span, "gen_ai.response.time_to_first_chunk").getDoubleValue()).isPositive();
		assertThat(attribute(span, "kimicode2api.upstream.model")).isNull();
	}

	@Test
	void anOpenAiStreamWithoutUsageStillNamesItsFinishReason() throws Exception {
		ClientTrace client = ClientTrace.random();
		upstream.respond(FakeUpstream.sse(dev.kimicode2api.support.KimiWire.answerStream("a", "b"), Duration.ofMillis(5)));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"stream\":true}", "traceparent",
				client.traceparent());
		Span span = receiver.awaitSpan(client::owns, WAIT);
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
		assertThat(attribute(span, "gen_ai.usage.input_tokens")).isNull();
	}

	@Test
	void aRequestWithoutTraceContextStartsATraceThatStillReachesTheUpstream() throws Exception {
		upstream.respond(FakeUpstream.json(200, dev.kimicode2api.support.KimiWire.answer("ok")));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}");
		String traceparent = upstream.takeRequest().headers().get("traceparent");
		assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
		String traceId = traceparent.substring(3, 35);
		Span span = receiver.awaitSpan(s -> hex(s.getTraceId().toByteArray()).equals(traceId), WAIT);
		assertThat(span.getParentSpanId().isEmpty()).isTrue();
		assertThat(hex(span.getSpanId().toByteArray())).isEqualTo(traceparent.substring(36, 52));
	}

	@Test
	void responsesPlainAndStreamedAreSpansOfTheirRoute() throws Exception {
		ClientTrace plain = ClientTrace.random();
		upstream.respond(FakeUpstream.json(200, """
				{"id":"c","object":"chat.completion","model":"kimi-for-coding","choices":[{"index":0,"message":\
				{"role":"assistant","content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":21,\
				"completion_tokens":2,"total_tokens":23}}"""));
		HttpResponse<String> response = postJson("/v1/responses",
				"{\"model\":\"kimi-for-coding-thinking\",\"input\":\"hi\",\"max_output_tokens\":100,\"store\":false}",
				"Authorization", "Bearer sk-r", "traceparent", plain.traceparent());
		assertThat(response.statusCode()).isEqualTo(200);
		Received received = upstream.takeRequest();
		Span span = receiver.awaitSpan(plain::owns, WAIT);
		assertUpstreamContinues(received, plain, span);
		assertThat(span.getName()).isEqualTo("chat kimi-for-coding-thinking");
		assertThat(text(span, "kimicode2api.route.id")).isEqualTo("kimi-responses");
		assertThat(text(span, "gen_ai.response.model")).isEqualTo("kimi-for-coding");
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
		assertThat(number(span, "gen_ai.usage.input_tokens")).isEqualTo(21);
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(2);
		assertThat(number(span, "gen_ai.request.max_tokens")).isEqualTo(100 + 4096); // with the headroom, as sent

		ClientTrace streamed = ClientTrace.random();
		String chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"kimi-for-coding\",\"choices\":[%s]}";
		upstream.respond(FakeUpstream.sse(List.of(
				chunk.formatted("{\"index\":0,\"delta\":{\"content\":\"do\"},\"finish_reason\":null}"),
				chunk.formatted("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\",\"usage\":{\"prompt_tokens\":5,"
						+ "\"completion_tokens\":6,\"total_tokens\":11}}"),
				"data: [DONE]"), Duration.ofMillis(5)));
		response = postJson("/v1/responses", "{\"model\":\"kimi-for-coding\",\"input\":\"hi\",\"stream\":true,\"store\":false}",
				"traceparent", streamed.traceparent());
		assertThat(response.body()).contains("response.completed");
		span = receiver.awaitSpan(streamed::owns, WAIT);
		assertThat(text(span, "kimicode2api.route.id")).isEqualTo("kimi-responses");
		assertThat(attribute(span, "gen_ai.request.stream").getBoolValue()).isTrue();
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("tool_calls");
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(6);
		assertThat(attribute(span, "gen_ai.response.time_to_first_chunk").getDoubleValue()).isPositive();
	}

	@Test
	void anthropicMessagesThroughTheSdkPlainAndStreamed() throws Exception {
		ClientTrace plain = ClientTrace.random();
		ClientTrace streamed = ClientTrace.random();
		MessageCreateParams params = MessageCreateParams.builder()
			.model("kimi-for-coding")
			.maxTokens(512)
			.addUserMessage("Hello")
			.build();
		upstream.respond(FakeUpstream.json(200, """
				{"id":"msg_1","type":"message","role":"assistant","model":"kimi-for-coding",\
				"content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,\
				"usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":5,"output_tokens":9}}"""));
		AnthropicClient sdk = sdk(plain);
		try {
			Message message = sdk.messages().create(params);
			assertThat(message.stopReason()).isPresent();
		}
		finally {
			sdk.close();
		}
		Span span = receiver.awaitSpan(plain::owns, WAIT);
		assertUpstreamContinues(upstream.takeRequest(), plain, span);
		assertThat(span.getName()).isEqualTo("chat kimi-for-coding");
		assertThat(text(span, "kimicode2api.route.id")).isEqualTo("kimi-messages");
		assertThat(text(span, "gen_ai.response.model")).isEqualTo("kimi-for-coding");
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("end_turn");
		assertThat(number(span, "gen_ai.usage.input_tokens")).isEqualTo(25); // cache reads are input too
		assertThat(number(span, "gen_ai.usage.cache_read.input_tokens")).isEqualTo(5);
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(9);
		assertThat(number(span, "gen_ai.request.max_tokens")).isEqualTo(512);

		upstream.respond(FakeUpstream.sse(List.of(
				"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\","
						+ "\"role\":\"assistant\",\"model\":\"kimi-for-coding\",\"content\":[],\"stop_reason\":null,"
						+ "\"stop_sequence\":null,\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}",
				"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
						+ "{\"type\":\"text\",\"text\":\"\"}}",
				"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
						+ "{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
				"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
				"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\","
						+ "\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}",
				"event: message_stop\ndata: {\"type\":\"message_stop\"}"), Duration.ofMillis(5)));
		sdk = sdk(streamed);
		try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params)) {
			MessageAccumulator accumulator = MessageAccumulator.create();
			stream.stream().forEach(accumulator::accumulate);
			assertThat(accumulator.message().usage().outputTokens()).isEqualTo(12);
		}
		finally {
			sdk.close();
		}
		span = receiver.awaitSpan(streamed::owns, WAIT);
		assertThat(attribute(span, "gen_ai.request.stream").getBoolValue()).isTrue();
		assertThat(text(span, "gen_ai.response.model")).isEqualTo("kimi-for-coding");
		assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("max_tokens");
		assertThat(number(span, "gen_ai.usage.input_tokens")).isEqualTo(30);
		assertThat(number(span, "gen_ai.usage.output_tokens")).isEqualTo(12);
	}

	private AnthropicClient sdk(ClientTrace trace) {
		return AnthropicOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.apiKey("sk-ant-test")
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.putHeader("traceparent", trace.traceparent())
			.build();
	}

	@Test
	void anUpstreamErrorAndARepairAreOnTheSpan() throws Exception {
		ClientTrace client = ClientTrace.random();
		upstream.respond(FakeUpstream.json(429, "{\"error\":{\"message\":\"You've reached your usage limit for this"
				+ " period, please wait\",\"type\":\"rate_limit_reached_error\"}}"));
		HttpResponse<String> response = postJson("/v1/chat/completions", """
				{"model":"kimi-for-coding","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",\
				"function":{"name":"f","parameters":{"type":"object","properties":{"a":{"description":"no type"}}}}}]}""",
				"traceparent", client.traceparent());
		assertThat(response.statusCode()).isEqualTo(429);
		Span span = receiver.awaitSpan(client::owns, WAIT);
		assertThat(text(span, "error.type")).isEqualTo("429");
		assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
		assertThat(number(span, "http.response.status_code")).isEqualTo(429);
		assertThat(number(span, "kimicode2api.repairs.schema_type")).isEqualTo(1);
	}

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.context.ApplicationContext context;

	/**
	 * The gateway's exporter is the only one (Spring Boot's own OTLP exporter would send every span twice), no
	 * observation becomes a span (Micrometer's handlers are left out), and no meter update looks up a span (no
	 * Prometheus exemplars).
	 */
	@Test
	void theGatewaysSpansAreTheOnlyOnesAndExportedOnce() throws Exception {
		assertThat(context.getBeansOfType(io.opentelemetry.sdk.trace.export.SpanExporter.class)).hasSize(1);
		assertThat(context.getBeanNamesForType(io.micrometer.tracing.handler.TracingObservationHandler.class)).isEmpty();
		assertThat(context.getBeanNamesForType(io.prometheus.metrics.tracer.common.SpanContext.class)).isEmpty();

		ClientTrace client = ClientTrace.random();
		upstream.respond(FakeUpstream.json(200, dev.kimicode2api.support.KimiWire.answer("ok")));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\"}", "traceparent", client.traceparent());
		receiver.awaitSpan(client::owns, WAIT);
		Thread.sleep(500); // a second exporter would post the same batch right after the first
		assertThat(receiver.spans().stream().filter(client::owns)).hasSize(1);
	}

	@Test
	void theGenAiMetricsGoOverOtlpToo() throws Exception {
		upstream.respond(FakeUpstream.json(200, dev.kimicode2api.support.KimiWire.answer("ok")));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}");
		Metric duration = receiver.awaitMetric("gen_ai.client.operation.duration", Duration.ofSeconds(30));
		assertThat(duration.hasHistogram()).isTrue();
		assertThat(duration.getHistogram().getDataPointsList()).anySatisfy(point -> {
			assertThat(point.getAttributesList()).anyMatch(kv -> kv.getKey().equals("gen_ai.provider.name")
					&& kv.getValue().getStringValue().equals("moonshot_ai"));
			assertThat(point.getExplicitBoundsList()).startsWith(0.01, 0.02, 0.04);
		});
		assertThat(receiver.awaitMetric("gen_ai.client.token.usage", Duration.ofSeconds(30)).hasHistogram()).isTrue();
	}

}
