package dev.kimicode2api.observability;

import java.time.Duration;

import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;
import dev.kimicode2api.support.OtlpReceiver;

import static org.assertj.core.api.Assertions.assertThat;

/** Message content on spans only when an operator opts in ({@code kimicode.observability.capture-content}). */
@TestPropertySource(properties = "kimicode.observability.capture-content=true")
class TracingContentTest extends GatewayTest {

	/** What a span records of canned answers for minimal bodies, which today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final OtlpReceiver receiver = new OtlpReceiver();

	@DynamicPropertySource
	static void tracing(DynamicPropertyRegistry registry) {
		registry.add("management.opentelemetry.tracing.export.otlp.endpoint", () -> receiver.baseUrl() + "/v1/traces");
		registry.add("management.tracing.sampling.probability", () -> "1.0");
		registry.add("management.opentelemetry.tracing.export.schedule-delay", () -> "100ms");
	}

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.context.ApplicationContext context;

	/** With Spring Boot's own endpoint property set, its OTLP exporter would join the gateway's: spans sent twice. */
	@Test
	void bootsEndpointPropertyMakesNoSecondExporter() {
		assertThat(context.getBeansOfType(io.opentelemetry.sdk.trace.export.SpanExporter.class)).hasSize(1);
	}

	@Test
	void theMessagesAsSentUpstreamAreOnTheSpanWhenOptedIn() throws Exception {
		TracingTest.ClientTrace client = TracingTest.ClientTrace.random();
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("4")));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[{\"role\":\"user\","
				+ "\"content\":\"what is 2+2?\"}]}", "Authorization", "Bearer sk-secret", "traceparent",
				client.traceparent());
		Span span = receiver.awaitSpan(client::owns, Duration.ofSeconds(20));
		assertThat(TracingTest.text(span, "gen_ai.input.messages"))
			.isEqualTo("[{\"role\":\"user\",\"content\":\"what is 2+2?\"}]");
		assertThat(span.toString()).doesNotContain("sk-secret");

		TracingTest.ClientTrace anthropic = TracingTest.ClientTrace.random();
		upstream.respond(FakeUpstream.json(200, "{\"type\":\"message\",\"content\":[]}"));
		postJson("/v1/messages", "{\"model\":\"kimi-for-coding\",\"max_tokens\":9,\"system\":\"be brief\","
				+ "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "traceparent", anthropic.traceparent());
		span = receiver.awaitSpan(anthropic::owns, Duration.ofSeconds(20));
		assertThat(TracingTest.text(span, "gen_ai.system_instructions")).isEqualTo("\"be brief\"");
		assertThat(TracingTest.text(span, "gen_ai.input.messages")).contains("\"hi\"");
	}

}
