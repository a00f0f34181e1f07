package dev.kimicode2api.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;

import dev.kimicode2api.wire.Json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Kimi's /v1/usages answers in their two forms, and where the poller finds its key. */
class QuotaWindowTest {

	@Test
	void theNewerFormWinsAndNumbersMayBeStringsOrEpochSeconds() {
		Map<String, QuotaWindow> windows = QuotaWindow.of(Json.MAPPER.readTree("""
				{"usage":{"used":"10","limit":"100","resetTime":"2026-12-08T00:00:00Z"},\
				"usages":{"limit_5h":{"used_ratio":0.25,"reset_time":"2026-12-06T05:00:00Z"},\
				"limit_7d":{"used_ratio":"0.5","reset_time":1796860800},"weird":{"used_ratio":"n/a"}}}"""));
		assertThat(windows).containsOnlyKeys("5h", "7d");
		assertThat(windows.get("5h").usedRatio()).isEqualTo(0.25);
		assertThat(windows.get("5h").resetAt()).isEqualTo(Instant.parse("2026-12-06T05:00:00Z"));
		assertThat(windows.get("7d").usedRatio()).isEqualTo(0.5);
		assertThat(windows.get("7d").resetAt()).isEqualTo(Instant.ofEpochSecond(1796860800));
	}

	@Test
	void windowsAreNamedFromTheirDuration() {
		assertThat(QuotaWindow.windowName(Json.MAPPER.readTree("{\"duration\":300,\"timeUnit\":\"TIME_UNIT_MINUTE\"}")))
			.isEqualTo("5h");
		assertThat(QuotaWindow.windowName(Json.MAPPER.readTree("{\"duration\":\"7\",\"timeUnit\":\"TIME_UNIT_DAY\"}")))
			.isEqualTo("7d");
		assertThat(QuotaWindow.windowName(Json.MAPPER.readTree("{\"duration\":90,\"timeUnit\":\"TIME_UNIT_MINUTE\"}")))
			.isEqualTo("90m");
		assertThat(QuotaWindow.windowName(Json.MAPPER.readTree("{\"duration\":1,\"timeUnit\":\"TIME_UNIT_EON\"}"))).isNull();
	}

	@Test
	void quotaAnswersAreTellingApartFromRateLimits() {
		assertThat(QuotaAnswers.window(403, QuotaTest.BILLING_CYCLE)).isEqualTo("7d");
		assertThat(QuotaAnswers.window(429, QuotaTest.PERIOD)).isEqualTo("5h");
		assertThat(QuotaAnswers.window(429, "The engine is currently overloaded")).isNull();
		assertThat(QuotaAnswers.window(500, QuotaTest.PERIOD)).isNull();
	}

	static RouteDefinition route(String... filters) {
		RouteDefinition route = new RouteDefinition();
		route.setId("kimi-usages");
		route.setUri(java.net.URI.create("https://api.kimi.com/coding/"));
		route.setMetadata(Map.of("user-agent", "KimiCLI/0.2.0"));
		route.setFilters(java.util.Arrays.stream(filters).map(FilterDefinition::new).toList());
		return route;
	}

	static QuotaProperties.Poll poll(String key) {
		return new QuotaProperties.Poll(true, Duration.ofMinutes(5), "kimi-usages", key, 0.8, Duration.ofSeconds(30));
	}

	@Test
	void theKeyComesFromTheSettingElseFromTheRoutesOwnHeaderFilter() {
		QuotaPoller.Target fromRoute = QuotaPoller.target(poll(null),
				List.of(route("SetRequestHeader=Authorization, Bearer sk-route")));
		assertThat(fromRoute.url().toString()).isEqualTo("https://api.kimi.com/coding/v1/usages");
		assertThat(fromRoute.keyHeader()).isEqualTo("Authorization");
		assertThat(fromRoute.key()).isEqualTo("Bearer sk-route");
		assertThat(fromRoute.userAgent()).isEqualTo("KimiCLI/0.2.0");
		assertThat(fromRoute.toString()).doesNotContain("sk-route");

		QuotaPoller.Target fromSetting = QuotaPoller.target(poll("sk-setting"),
				List.of(route("SetRequestHeader=Authorization, Bearer sk-route")));
		assertThat(fromSetting.key()).isEqualTo("Bearer sk-setting");

		assertThat(QuotaPoller.target(poll(null), List.of(route("AddRequestHeader=x-api-key, sk-x"))).keyHeader())
			.isEqualTo("x-api-key");
	}

	@Test
	void aPollerWithoutKeyOrRouteStopsTheStartNamingTheSetting() {
		assertThatIllegalStateException().isThrownBy(() -> QuotaPoller.target(poll(null), List.of(route())))
			.withMessageContaining("kimicode.quota.poll.key")
			.withMessageContaining("SetRequestHeader=Authorization, Bearer <key>");
		assertThatIllegalStateException()
			.isThrownBy(() -> QuotaPoller.target(new QuotaProperties.Poll(true, Duration.ofMinutes(5), "nope", "k", 0.8,
					Duration.ofSeconds(30)), List.of(route())))
			.withMessageContaining("kimicode.quota.poll.route 'nope' is not a route id");
		assertThatIllegalStateException()
			.isThrownBy(() -> QuotaPoller.target(new QuotaProperties.Poll(true, Duration.ofSeconds(1), "kimi-usages",
					"k", 0.8, Duration.ofSeconds(30)), List.of(route())))
			.withMessageContaining("kimicode.quota.poll.interval must be at least 10s");
	}

}
