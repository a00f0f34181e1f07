package dev.kimicode2api.observability;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.KimiWire;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenTelemetry GenAI client metrics in /actuator/prometheus, with tracing off (the default): the convention's
 * names, attributes and bucket boundaries, counted once per model call; and nothing of tracing reaches the upstream.
 */
class GenAiMetricsTest extends GatewayTest {

	/** Meters of canned answers for minimal bodies, which today's Kimi would refuse before answering. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);

	/** The sum of every sample of {@code name} whose labels include {@code labels}. */
	double value(String name, Map<String, String> labels) throws Exception {
		String scrape = get("/actuator/prometheus").body();
		Matcher m = SAMPLE.matcher(scrape);
		double sum = 0;
		while (m.find()) {
			if (!m.group(1).equals(name)) {
				continue;
			}
			Map<String, String> found = new TreeMap<>();
			Matcher label = Pattern.compile("([a-zA-Z_]+)=\"([^\"]*)\"").matcher(m.group(2));
			while (label.find()) {
				found.put(label.group(1), label.group(2));
			}
			if (found.entrySet().containsAll(labels.entrySet())) {
				sum += Double.parseDouble(m.group(3));
			}
		}
		return sum;
	}

	Map<String, String> chat(String model, String error) {
		return Map.of("gen_ai_operation_name", "chat", "gen_ai_provider_name", "moonshot_ai", "gen_ai_request_model",
				model, "server_address", "127.0.0.1", "server_port", String.valueOf(upstream.port()), "error_type", error);
	}

	@Test
	void operationsTokensAndFirstChunksAreCountedWithTheConventionsAttributesAndBuckets() throws Exception {
		Map<String, String> ok = chat("kimi-for-coding-thinking", "");
		Map<String, String> input = Map.of("gen_ai_request_model", "kimi-for-coding-thinking", "gen_ai_token_type", "input");
		Map<String, String> output = Map.of("gen_ai_request_model", "kimi-for-coding-thinking", "gen_ai_token_type", "output");
		double operations = value("gen_ai_client_operation_duration_seconds_count", ok);
		double inputSum = value("gen_ai_client_token_usage_sum", input);
		double outputSum = value("gen_ai_client_token_usage_sum", output);
		double outputIn16 = value("gen_ai_client_token_usage_bucket", with(output, "le", "16.0"));
		double firstChunks = value("gen_ai_client_operation_time_to_first_chunk_seconds_count", ok);

		upstream.respond(FakeUpstream.json(200, "{\"choices\":[],\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":7,"
				+ "\"total_tokens\":307}}"));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding-thinking\",\"messages\":[]}");
		upstream.respond(FakeUpstream.sse(List.of("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}",
				"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":5,"
						+ "\"completion_tokens\":2,\"total_tokens\":7}}]}",
				"data: [DONE]"), Duration.ofMillis(10)));
		HttpResponse<String> streamed = postJson("/v1/chat/completions",
				"{\"model\":\"kimi-for-coding-thinking\",\"stream\":true,\"messages\":[]}");
		assertThat(streamed.body()).contains("[DONE]");

		assertThat(value("gen_ai_client_operation_duration_seconds_count", ok) - operations).isEqualTo(2);
		assertThat(value("gen_ai_client_token_usage_sum", input) - inputSum).isEqualTo(305);
		assertThat(value("gen_ai_client_token_usage_sum", output) - outputSum).isEqualTo(9);
		// both outputs (7 and 2) fall in the bucket up to 16, the convention's third boundary
		assertThat(value("gen_ai_client_token_usage_bucket", with(output, "le", "16.0")) - outputIn16).isEqualTo(2);
		assertThat(value("gen_ai_client_operation_time_to_first_chunk_seconds_count", ok) - firstChunks).isEqualTo(1);

		String scrape = get("/actuator/prometheus").body();
		for (String boundary : List.of("1.0", "4.0", "16.0", "64.0", "256.0", "1024.0", "4096.0", "16384.0", "65536.0",
				"262144.0", "1048576.0", "4194304.0", "1.6777216E7", "6.7108864E7", "+Inf")) {
			assertThat(scrape).contains("gen_ai_client_token_usage_bucket{").contains("le=\"" + boundary + "\"");
		}
		for (String boundary : List.of("0.01", "0.02", "0.04", "0.08", "0.16", "0.32", "0.64", "1.28", "2.56", "5.12",
				"10.24", "20.48", "40.96", "81.92")) {
			assertThat(scrape).containsPattern("gen_ai_client_operation_duration_seconds_bucket\\{[^}]*le=\""
					+ Pattern.quote(boundary) + "\"");
		}
	}

	@Test
	void anErrorIsCountedWithItsTypeAndInventedModelsStayBounded() throws Exception {
		Map<String, String> limited = chat("other", "429");
		double before = value("gen_ai_client_operation_duration_seconds_count", limited);
		upstream.respond(FakeUpstream.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}"));
		String invented = "made-up-" + System.nanoTime();
		assertThat(postJson("/v1/chat/completions", "{\"model\":\"" + invented + "\"}").statusCode()).isEqualTo(429);
		assertThat(value("gen_ai_client_operation_duration_seconds_count", limited) - before).isEqualTo(1);
		assertThat(get("/actuator/prometheus").body()).doesNotContain(invented);
	}

	@Test
	void withTracingOffTheClientsTraceContextPassesUnchanged() throws Exception {
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}", "traceparent", traceparent,
				"tracestate", "vendor=1");
		FakeUpstream.Received received = upstream.takeRequest();
		assertThat(received.headers().get("traceparent")).isEqualTo(traceparent);
		assertThat(received.headers().get("tracestate")).isEqualTo("vendor=1");
		upstream.respond(FakeUpstream.json(200, KimiWire.answer("ok")));
		postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}");
		assertThat(upstream.takeRequest().headers().contains("traceparent")).isFalse();
	}

	static Map<String, String> with(Map<String, String> labels, String key, String value) {
		Map<String, String> more = new TreeMap<>(labels);
		more.put(key, value);
		return more;
	}

}
