package dev.kimicode2api.quota;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quota poller of a sidecar that holds the key: Kimi's /v1/usages (a fake of its own, numbers as strings, both
 * the older {@code usage}/{@code limits} and the newer {@code usages} form) polled at start-up and every interval,
 * its windows as gauges, one WARN for the window past {@code warn-at}, the key never logged.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kimicode.quota.poll.enabled=true", "kimicode.quota.poll.interval=10s",
				"kimicode.quota.poll.key=sk-held-by-the-sidecar", "kimicode.quota.poll.warn-at=0.5" })
@DirtiesContext
class QuotaPollerTest {

	static final FakeUpstream kimi = new FakeUpstream();

	static {
		Instant now = Instant.now();
		kimi.respond(FakeUpstream.json(200, """
				{"usage":{"used":"40","limit":"1000","remaining":"960","resetTime":"%s"},\
				"limits":[{"window":{"duration":300,"timeUnit":"TIME_UNIT_MINUTE"},"detail":{"used":"60","limit":"100",\
				"resetTime":"%s"}}],\
				"usages":{"limit_24h":{"used_ratio":"0.125","reset_time":"%s"}}}"""
			.formatted(now.plus(Duration.ofDays(3)), now.plus(Duration.ofHours(2)), now.plus(Duration.ofHours(20)))));
	}

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) {
		registry.add("KIMI_API_BASE_URL", () -> kimi.baseUrl() + "/coding");
	}

	@AfterAll
	static void close() {
		kimi.close();
	}

	@LocalServerPort
	int port;

	double metric(String series) throws Exception {
		String scrape = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		Matcher m = Pattern.compile(Pattern.quote(series) + " ([0-9.E+-]+)").matcher(scrape);
		return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
	}

	@Test
	void theWindowsBecomeGaugesAndTheFullOneWarnsOnce() throws Exception {
		Received received = kimi.takeRequest();
		assertThat(received.method()).isEqualTo("GET");
		assertThat(received.uri()).isEqualTo("/coding/v1/usages");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-held-by-the-sidecar");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");

		double fiveHours = Double.NaN;
		for (int i = 0; i < 100 && Double.isNaN(fiveHours); i++) {
			fiveHours = metric("kimicode2api_quota_used_ratio{window=\"5h\"}");
			Thread.sleep(50);
		}
		assertThat(fiveHours).isEqualTo(0.6);
		assertThat(metric("kimicode2api_quota_used_ratio{window=\"7d\"}")).isEqualTo(0.04);
		assertThat(metric("kimicode2api_quota_used_ratio{window=\"24h\"}")).isEqualTo(0.125);
		assertThat(metric("kimicode2api_quota_reset_seconds{window=\"5h\"}")).isBetween(7000.0, 7200.0);
		assertThat(metric("kimicode2api_quota_reset_seconds{window=\"7d\"}")).isBetween(3 * 86400.0 - 200, 3 * 86400.0);

		assertThat(LogCapture.lines()).filteredOn(line -> line.contains("Kimi quota: window"))
			.hasSize(1)
			.allMatch(line -> line.contains("window 5h is 60.0% used"));
		assertThat(LogCapture.lines()).noneMatch(line -> line.contains("sk-held-by-the-sidecar"));
	}

}
