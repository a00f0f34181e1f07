package dev.kimicode2api;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

class ErrorsTest extends GatewayTest {

	/** How the gateway answers failures: minimal bodies, which today's Kimi would refuse before the failure under test. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final String CHAT = "{\"model\":\"kimi-for-coding\",\"messages\":[]}";

	@Test
	void upstreamOpenAiErrorPassesThroughWithItsStatus() throws Exception {
		String body = "{\"error\":{\"message\":\"Invalid Authentication\",\"type\":\"invalid_authentication_error\"}}";
		upstream.respond(FakeUpstream.json(401, body));
		HttpResponse<String> response = postJson("/v1/chat/completions", CHAT, "Authorization", "Bearer bad");
		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(body));
	}

	@Test
	void upstream429KeepsRetryAfterAndGetsAnOpenAiShape() throws Exception {
		upstream.respond(FakeUpstream.json(429, "{\"message\":\"weekly quota used up\"}", "Retry-After", "42"));
		HttpResponse<String> response = postJson("/v1/chat/completions", CHAT);
		assertError(response, 429, "upstream_error");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("42");
		assertThat(message(response)).contains("429", "weekly quota used up");
	}

	/**
	 * An error answered as an event stream far longer than the gateway reads of an error (64 KB): the client gets the
	 * error in its dialect, and the rest of the stream, still queued when the read stopped, is released (the class's
	 * paranoid leak check).
	 */
	@Test
	void aLongErrorStreamIsCutToAnErrorAndLeavesNoBufferBehind() throws Exception {
		upstream.respond(FakeUpstream.fastStream(500, 5_000, new CountDownLatch(1)));
		HttpResponse<String> response = postJson("/v1/chat/completions", CHAT);
		assertError(response, 500, "upstream_error");
		assertThat(message(response)).contains("500");
	}

	@Test
	void upstream500PlainTextAnd502HtmlBecomeUpstreamErrors() throws Exception {
		upstream.respond(FakeUpstream.text(500, "text/plain", "database on fire"));
		HttpResponse<String> plain = postJson("/v1/chat/completions", CHAT);
		assertError(plain, 500, "upstream_error");
		assertThat(message(plain)).contains("500", "database on fire");

		upstream.respond(FakeUpstream.text(502, "text/html",
				"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"));
		HttpResponse<String> html = postJson("/v1/chat/completions", CHAT);
		assertError(html, 502, "upstream_error");
		assertThat(message(html)).isEqualTo("Upstream returned HTTP 502 Bad Gateway").doesNotContain("<");
	}

	@Test
	void upstreamUnreachableIs502ProxyError() throws Exception {
		upstream.respond(FakeUpstream.resetBeforeResponse());
		HttpResponse<String> reset = postJson("/v1/chat/completions", CHAT);
		assertError(reset, 502, "proxy_error");
	}

	@Test
	void badBodiesAre400AndNeverReachTheUpstream() throws Exception {
		assertError(postJson("/v1/chat/completions", "{\"model\": \"kimi-for-coding\", "), 400,
				"invalid_request_error");
		assertError(postJson("/v1/chat/completions", "[{\"model\":\"kimi-for-coding\"}]"), 400,
				"invalid_request_error");
		assertError(postJson("/v1/chat/completions", "\"hello\""), 400, "invalid_request_error");
		assertError(postJson("/v1/chat/completions", "{\"model\":42}"), 400, "invalid_request_error");
		assertError(postJson("/v1/chat/completions", "{\"model\":\"a\"} trailing"), 400, "invalid_request_error");
		assertError(postJson("/v1/chat/completions", ""), 400, "invalid_request_error");
		HttpResponse<String> form = http.send(request("/v1/chat/completions")
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("model=kimi"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertError(form, 415, "invalid_request_error");
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void unknownPathIs404AndWrongMethodIs405() throws Exception {
		assertError(get("/v1/completions"), 404, "invalid_request_error");
		assertError(postJson("/v2/chat/completions", CHAT), 404, "invalid_request_error");
		HttpResponse<String> getChat = get("/v1/chat/completions");
		assertError(getChat, 405, "invalid_request_error");
		assertThat(getChat.headers().firstValue("Allow")).hasValue("POST");
		HttpResponse<String> postModels = postJson("/v1/models", "{}");
		assertError(postModels, 405, "invalid_request_error");
		assertThat(postModels.headers().firstValue("Allow")).hasValue("GET");
		assertError(http.send(request("/").DELETE().build(), HttpResponse.BodyHandlers.ofString()), 405,
				"invalid_request_error");
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void pathsThatCouldClimbOutOfTheRouteAreRefused() throws Exception {
		for (String path : new String[] { "/v1/chat/completions/../../admin", "/v1/chat/completions/%2e%2e/x",
				"/v1/chat/%2E%2E/completions", "/v1/chat/completions%2f..%2fadmin", "/v1/chat/completions;x=1",
				"/v1/chat//completions", "/v1/chat/completions%5c..", "/v1/chat/completions/%252e%252e" }) {
			HttpResponse<String> response = http.send(request(path).header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(CHAT))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(path).isIn(400, 404);
			assertError(response, response.statusCode(), "invalid_request_error");
		}
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void bodiesOverTheLimitAre413WithOrWithoutContentLength() throws Exception {
		byte[] huge = new byte[33 * 1024 * 1024];
		Arrays.fill(huge, (byte) ' ');
		huge[0] = '{';
		huge[huge.length - 1] = '}';
		HttpResponse<String> sized = http.send(request("/v1/chat/completions").header("Content-Type",
				"application/json").POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertError(sized, 413, "invalid_request_error");

		HttpResponse<String> chunked = http.send(request("/v1/chat/completions").header("Content-Type",
				"application/json").POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertError(chunked, 413, "invalid_request_error");
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();

		// Just under the limit is forwarded whole.
		byte[] large = new byte[31 * 1024 * 1024];
		Arrays.fill(large, (byte) ' ');
		byte[] head = "{\"model\":\"kimi-for-coding-thinking\",\"pad\":\"".getBytes();
		System.arraycopy(head, 0, large, 0, head.length);
		Arrays.fill(large, head.length, large.length - 2, (byte) 'x');
		large[large.length - 2] = '"';
		large[large.length - 1] = '}';
		upstream.respond(FakeUpstream.json(200, "{}"));
		HttpResponse<String> ok = http.send(request("/v1/chat/completions").header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(large)))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(ok.statusCode()).isEqualTo(200);
		JsonNode received = JSON.readTree(upstream.takeRequest().body());
		assertThat(received.get("model").asString()).isEqualTo("kimi-for-coding");
		assertThat(received.get("pad").asString()).hasSize(large.length - head.length - 2);
	}

	static String message(HttpResponse<String> response) {
		return JSON.readTree(response.body()).get("error").get("message").asString();
	}

}
