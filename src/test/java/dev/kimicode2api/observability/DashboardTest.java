package dev.kimicode2api.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.wire.Json;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard in k8s/grafana cannot drift from the code: every metric its queries name is in
 * /actuator/prometheus after a few requests (plain, streamed, a repair, a quota error) with the quota poller on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kimicode.quota.poll.enabled=true", "kimicode.quota.poll.key=sk-dashboard" })
@DirtiesContext
class DashboardTest {

	static final Path DASHBOARD = Path.of("k8s/grafana/kimicode2api-dashboard.json");

	static final String USAGES = "{\"usages\":{\"limit_5h\":{\"used_ratio\":\"0.3\",\"reset_time\":\"2099-01-01T00:00:00Z\"}}}";

	static final FakeUpstream kimi = new FakeUpstream();

	static volatile FakeUpstream.Behaviour chat = FakeUpstream.json(200, "{}");

	static {
		kimi.kimi2025(); // the dashboard's meters from canned answers to minimal bodies
		kimi.respond((request, response) -> request.uri().endsWith("/v1/usages")
				? FakeUpstream.json(200, USAGES).apply(request, response) : chat.apply(request, response));
	}

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) {
		registry.add("KIMI_API_BASE_URL", kimi::baseUrl);
	}

	@AfterAll
	static void close() {
		kimi.close();
	}

	@LocalServerPort
	int port;

	final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	/** PromQL words that are not metric names. */
	static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool",
			"and", "or", "unless", "offset");

	/** The metric names a PromQL expression selects. */
	static Set<String> metricNames(String expr) {
		String rest = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals
			.replaceAll("\\{[^}]*}", " ") // label matchers
			.replaceAll("\\[[^]]*]", " ") // ranges
			.replaceAll("\\$\\w+", " ") // Grafana variables
			.replaceAll("(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // label lists
		Set<String> names = new TreeSet<>();
		Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(rest);
		while (m.find()) {
			if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
				names.add(m.group(1));
			}
		}
		return names;
	}

	static List<String> expressions(JsonNode node) {
		List<String> found = new ArrayList<>();
		if (node.isObject()) {
			for (String name : node.propertyNames()) {
				if (name.equals("expr") && node.get(name).isString()) {
					found.add(node.get(name).asString());
				}
				else {
					found.addAll(expressions(node.get(name)));
				}
			}
		}
		else if (node.isArray()) {
			node.forEach(child -> found.addAll(expressions(child)));
		}
		return found;
	}

	String post(String path, String body) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	@Test
	void everyMetricTheDashboardQueriesIsServed() throws Exception {
		JsonNode dashboard = Json.MAPPER.readTree(Files.readString(DASHBOARD));
		List<String> queries = expressions(dashboard);
		assertThat(queries).hasSizeGreaterThan(10);
		Set<String> metrics = new TreeSet<>();
		queries.forEach(query -> metrics.addAll(metricNames(query)));
		assertThat(metrics).contains("kimicode2api_requests_seconds_count", "gen_ai_client_token_usage_bucket",
				"kimicode2api_quota_used_ratio", "kimicode2api_repairs_total", "kimicode2api_store_errors_total",
				"kimicode2api_upstream_quota_exhausted_total")
			.doesNotContain("le", "route", "rate", "sum", "histogram_quantile");

		chat = FakeUpstream.json(200, "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}],"
				+ "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}");
		post("/v1/chat/completions", """
				{"model":"kimi-for-coding","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",\
				"function":{"name":"f","parameters":{"type":"object","properties":{"a":{}}}}}]}""");
		chat = FakeUpstream.sse(List.of("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\","
				+ "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}]}", "data: [DONE]"),
				Duration.ofMillis(5));
		post("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"stream\":true,\"messages\":[]}");
		chat = FakeUpstream.json(429, "{\"error\":{\"message\":\"You've reached your usage limit for this period\"}}");
		post("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}");

		String scrape = "";
		for (int i = 0; i < 100 && !scrape.contains("kimicode2api_quota_used_ratio"); i++) {
			Thread.sleep(50);
			scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
				.build(), HttpResponse.BodyHandlers.ofString()).body();
		}
		for (String metric : metrics) {
			assertThat(scrape).as("the dashboard queries " + metric).containsPattern("(?m)^" + metric + "[{ ]");
		}
	}

	@Test
	void theMetricNameReaderFindsNamesOnly() {
		assertThat(metricNames("histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{x=~\"4..\"}[$__rate_interval])))"
				+ " / on (route) group_left sum(b_total offset 1h) and c"))
			.containsExactly("a_bucket", "b_total", "c");
	}

	@Test
	void theConfigMapCarriesTheDashboardForGrafanasSidecar() throws Exception {
		java.util.Map<String, Object> kustomization = new Yaml()
			.load(Files.readString(Path.of("k8s/grafana/kustomization.yaml")));
		assertThat(kustomization.toString()).contains("kimicode2api-dashboard.json", "grafana_dashboard=1");
		assertThat(Json.MAPPER.readTree(Files.readString(DASHBOARD)).path("uid").asString()).isEqualTo("kimicode2api");
	}

}
