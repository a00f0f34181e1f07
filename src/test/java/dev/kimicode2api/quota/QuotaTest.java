package dev.kimicode2api.quota;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /v1/usages forwarded with the client's key, and Kimi's quota answers counted by window, their message kept. */
class QuotaTest extends GatewayTest {

	/** Kimi's quota answers, canned, for minimal bodies that today's Kimi would refuse first. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final String USAGES = """
			{"usage":{"used":"40","limit":"1000","remaining":"960","resetTime":"2026-12-08T00:00:00Z"},\
			"limits":[{"window":{"duration":300,"timeUnit":"TIME_UNIT_MINUTE"},"detail":{"used":"1","limit":"100",\
			"resetTime":"2026-12-06T05:00:00Z"}}],"boosterWallet":{}}""";

	static final String BILLING_CYCLE = "{\"error\":{\"message\":\"You've reached your usage limit for this billing"
			+ " cycle. Please upgrade your plan.\",\"type\":\"access_terminated_error\"}}";

	static final String PERIOD = "{\"error\":{\"message\":\"You've reached your usage limit for this period. Please try"
			+ " again later.\",\"type\":\"rate_limit_reached_error\"}}";

	@Test
	void usagesIsForwardedToTheRoutesUpstreamWithTheClientsKey() throws Exception {
		upstream.respond(FakeUpstream.json(200, USAGES));
		HttpResponse<String> response = http.send(request("/v1/usages").header("Authorization", "Bearer sk-client")
			.GET()
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(USAGES);
		Received received = upstream.takeRequest();
		assertThat(received.method()).isEqualTo("GET");
		assertThat(received.uri()).isEqualTo("/deep/coding/v1/usages");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer sk-client");
		assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");

		upstream.respond(FakeUpstream.json(401, "{\"error\":{\"message\":\"Invalid Authentication\","
				+ "\"type\":\"invalid_authentication_error\"}}"));
		response = get("/v1/usages");
		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.body()).contains("Invalid Authentication");
	}

	@Test
	void quotaAnswersAreCountedByWindowAndKeepKimisMessage() throws Exception {
		String weekly = "kimicode2api_upstream_quota_exhausted_total{window=\"7d\"}";
		String fiveHours = "kimicode2api_upstream_quota_exhausted_total{window=\"5h\"}";
		double weeklyBefore = metric(weekly);
		double fiveHoursBefore = metric(fiveHours);

		upstream.respond(FakeUpstream.json(403, BILLING_CYCLE));
		HttpResponse<String> chat = postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\",\"messages\":[]}");
		assertThat(chat.statusCode()).isEqualTo(403);
		assertThat(chat.body()).contains("You've reached your usage limit for this billing cycle");

		upstream.respond(FakeUpstream.json(429, PERIOD));
		HttpResponse<String> messages = postJson("/v1/messages",
				"{\"model\":\"kimi-for-coding\",\"max_tokens\":10,\"messages\":[]}");
		assertThat(messages.statusCode()).isEqualTo(429);
		assertThat(messages.body()).contains("\"type\":\"error\"", "You've reached your usage limit for this period");

		upstream.respond(FakeUpstream.json(429, PERIOD));
		HttpResponse<String> responses = postJson("/v1/responses", "{\"model\":\"kimi-for-coding\",\"input\":\"hi\"}");
		assertThat(responses.statusCode()).isEqualTo(429);
		assertThat(responses.body()).contains("You've reached your usage limit for this period");

		// Kimi's other 429s are rate limits, not quota
		upstream.respond(FakeUpstream.json(429, "{\"error\":{\"message\":\"We're receiving too many requests at the"
				+ " moment\",\"type\":\"rate_limit_reached_error\"}}"));
		assertThat(postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\"}").statusCode()).isEqualTo(429);

		assertThat(metric(weekly) - weeklyBefore).isEqualTo(1);
		assertThat(metric(fiveHours) - fiveHoursBefore).isEqualTo(2);
	}

}
