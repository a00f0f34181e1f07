package dev.kimicode2api;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/** Token usage and request metrics as Prometheus shows them, and the access line that goes with them. */
class MetricsTest extends GatewayTest {

	/** Counting what canned answers report, for minimal bodies that today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	@Test
	void tokensPerModelFromPlainAndStreamedResponses() throws Exception {
		String tokens = "kimicode2api_tokens_total{model=\"%s\",route=\"kimi-chat\",type=\"%s\"}";
		double promptBefore = metric(tokens.formatted("kimi-for-coding-thinking", "prompt"));
		double totalBefore = metric(tokens.formatted("kimi-for-coding", "total"));
		double otherBefore = metric(tokens.formatted("other", "completion"));

		upstream.respond(FakeUpstream.json(200, "{\"id\":\"a\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
				+ "\"completion_tokens\":7,\"total_tokens\":18}}"));
		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding-thinking\"}", "Authorization", "Bearer sk-m");
		assertThat(metric(tokens.formatted("kimi-for-coding-thinking", "prompt")) - promptBefore).isEqualTo(11);
		assertThat(ChatCompletionsTest.waitForAccessLines(1)).anyMatch(l -> l.contains("tokens=11/7/18"));

		upstream.respond(FakeUpstream.sse(List.of("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}",
				"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}",
				"data: [DONE]"), Duration.ofMillis(20)));
		HttpResponse<String> streamed = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
		assertThat(streamed.body()).contains("\"total_tokens\":7", "[DONE]");
		assertThat(metric(tokens.formatted("kimi-for-coding", "total")) - totalBefore).isEqualTo(7);

		// An unlisted model is counted, under "other": invented names cannot grow the label set.
		upstream.respond(FakeUpstream.json(200, "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":4,\"total_tokens\":5}}"));
		postJson("/v1/chat/completions", "{\"model\":\"made-up-" + System.nanoTime() + "\"}");
		assertThat(metric(tokens.formatted("other", "completion")) - otherBefore).isEqualTo(4);
		String scrape = get("/actuator/prometheus").body();
		assertThat(scrape).doesNotContain("made-up-");
		assertThat(scrape).contains("kimicode2api_requests_seconds_count{model=\"kimi-for-coding\",route=\"kimi-chat\","
				+ "status=\"200\",stream=\"true\"}");
		assertThat(scrape).contains("kimicode2api_stream_first_byte_seconds_count{model=\"kimi-for-coding\"");
		// Spring's own per-request timers would time the same requests again (off for their CPU cost).
		assertThat(scrape).doesNotContain("http_server_requests", "http_client_requests", "spring_cloud_gateway_requests");
		assertThat(scrape).contains("jvm_memory_used_bytes");
	}
}
