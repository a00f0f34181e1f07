package dev.kimicode2api;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.RawHttp;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input that the gateway already held against (issue 24's review), kept so: deep nesting, invalid UTF-8, dot
 * segments on the wire, a huge id, the actuator's other endpoints and its write operations.
 */
class HostileInputTest extends GatewayTest {

	@Test
	void nesting5000DeepIsA400OnEveryRoute() throws Exception {
		String deep = "[".repeat(5000) + "]".repeat(5000);
		for (String path : new String[] { "/v1/chat/completions", "/v1/responses", "/v1/messages" }) {
			HttpResponse<String> response = postJson(path, "{\"model\":\"kimi-for-coding-thinking\",\"x\":" + deep
					+ ",\"input\":\"hi\",\"messages\":[]}", "anthropic-version", "2023-06-01");
			assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(400);
			assertThat(JSON.readTree(response.body()).at("/error/message").asString()).isNotBlank();
		}
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void invalidUtf8IsA400() throws Exception {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.writeBytes("{\"model\":\"kimi-for-coding-thinking\",\"messages\":[{\"role\":\"user\",\"content\":\""
			.getBytes(StandardCharsets.US_ASCII));
		body.writeBytes(new byte[] { (byte) 0xff, (byte) 0xfe, (byte) 0xc3, '(', (byte) 0xed, (byte) 0xa0, (byte) 0x80 });
		body.writeBytes("\"}]}".getBytes(StandardCharsets.US_ASCII));
		for (String path : new String[] { "/v1/chat/completions", "/v1/responses" }) {
			HttpResponse<String> response = http.send(request(path).header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertError(response, 400, "invalid_request_error");
		}
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void dotSegmentsOnTheWireAreA400() throws Exception {
		for (String target : new String[] { "/v1/chat/completions/../../admin", "/v1/responses/../../actuator/env",
				"/v1/messages/%2e%2e/%2e%2e/x" }) {
			RawHttp.Response response = RawHttp.exchange(port, "POST " + target + " HTTP/1.1\r\nHost: x\r\n"
					+ "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
			assertThat(response.status()).as(target).isEqualTo(400);
			assertThat(JSON.readTree(response.body()).at("/error/type").asString()).isEqualTo("invalid_request_error");
		}
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void aTenKilobyteIdIsA414() throws Exception {
		HttpResponse<String> response = get("/v1/responses/resp_" + "a".repeat(10 * 1024));
		assertError(response, 414, "invalid_request_error");
		assertThat(get("/").statusCode()).isEqualTo(200);
	}

	@Test
	void onlyHealthPrometheusAndTheReadOnlyGatewayEndpointAreExposed() throws Exception {
		assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/prometheus").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/gateway/routes").statusCode()).isEqualTo(200);
		for (String endpoint : new String[] { "env", "beans", "configprops", "heapdump", "threaddump", "loggers",
				"mappings", "metrics", "info", "conditions", "scheduledtasks", "caches", "startup", "sbom",
				"env/KIMI_API_BASE_URL", "loggers/ROOT" }) {
			assertError(get("/actuator/" + endpoint), 404, "invalid_request_error");
		}
		assertThat(postJson("/actuator/shutdown", "{}").statusCode()).isIn(404, 405);
		assertThat(postJson("/actuator/loggers/ROOT", "{\"configuredLevel\":\"TRACE\"}").statusCode()).isIn(404, 405);
	}

	@Test
	void routesCannotBeChangedThroughTheActuator() throws Exception {
		String route = "{\"id\":\"evil\",\"uri\":\"http://127.0.0.1:1\",\"predicates\":[{\"name\":\"Path\","
				+ "\"args\":{\"pattern\":\"/evil\"}}]}";
		assertThat(postJson("/actuator/gateway/routes/evil", route).statusCode()).isBetween(400, 499);
		assertThat(postJson("/actuator/gateway/refresh", "").statusCode()).isBetween(400, 499);
		assertThat(http.send(request("/actuator/gateway/routes/kimi-chat").DELETE().build(),
				HttpResponse.BodyHandlers.ofString()).statusCode()).isBetween(400, 499);
		String routes = get("/actuator/gateway/routes").body();
		assertThat(routes).doesNotContain("evil").contains("kimi-chat");
		assertThat(get("/evil").statusCode()).isEqualTo(404);
	}

}
