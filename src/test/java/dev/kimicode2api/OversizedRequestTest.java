package dev.kimicode2api;

import java.io.IOException;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests Reactor Netty refuses before any Spring handler (headers over 64 KB, a request line over 4 KB, a
 * malformed head) still get the OpenAI-shaped JSON error, with Netty's status; the gateway keeps serving.
 */
class OversizedRequestTest extends GatewayTest {

	@Test
	void headersOverTheLimitGet431WithAJsonErrorAndTheGatewayKeepsServing() throws Exception {
		String huge = "x".repeat(100 * 1024);
		RawHttp.Response response = exchange("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
				+ "Authorization: Bearer sk-secret\r\nContent-Type: application/json\r\nX-Huge: " + huge
				+ "\r\nContent-Length: 2\r\n\r\n{}");
		assertJsonError(response, 431);
		assertThat(response.body()).contains("header");

		// The same through an ordinary client, then a fresh connection still works.
		HttpResponse<String> viaClient = http.send(request("/v1/models").header("X-Huge", huge).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		ChatCompletionsTest.assertError(viaClient, 431, "invalid_request_error");
		assertThat(get("/").statusCode()).isEqualTo(200);
		assertThat(exchange("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void requestLineOverTheLimitGets414WithAJsonError() throws Exception {
		RawHttp.Response response = exchange("GET /v1/models?q=" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
		assertJsonError(response, 414);
		HttpResponse<String> viaClient = http.send(
				request("/v1/models?q=" + "b".repeat(10 * 1024)).GET().build(), HttpResponse.BodyHandlers.ofString());
		ChatCompletionsTest.assertError(viaClient, 414, "invalid_request_error");
		assertThat(get("/").statusCode()).isEqualTo(200);
	}

	@Test
	void aMalformedHeadGets400WithAJsonError() throws Exception {
		assertJsonError(exchange("GET / HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n"), 400);
		assertThat(get("/").statusCode()).isEqualTo(200);
	}

	private static void assertJsonError(RawHttp.Response response, int status) {
		assertThat(response.status()).as(response.head()).isEqualTo(status);
		assertThat(response.head().toLowerCase()).contains("content-type: application/json");
		JsonNode error = ChatCompletionsTest.JSON.readTree(response.body()).get("error");
		assertThat(error).as(response.body()).isNotNull();
		assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
		assertThat(error.get("message").asString()).isNotBlank();
	}

	private RawHttp.Response exchange(String request) throws IOException {
		return RawHttp.exchange(port, request);
	}

}
