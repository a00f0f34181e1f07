package dev.kimicode2api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies with {@code Content-Encoding}: gzip and deflate are decoded before the gateway reads them, the size
 * limit applies to the decoded bytes (a zip bomb is a 413), a broken one is a 400 and another coding a 415, each in
 * the route's error shape; the upstream gets a plain body.
 */
class RequestEncodingTest extends GatewayTest {

	static final String CHAT = "{\"model\":\"kimi-for-coding-thinking\",\"messages\":[{\"role\":\"user\",\"content\":\"h\u00e9llo \u2028\"}]}";

	@Test
	void gzipAndDeflateBodiesAreDecodedAndSentOnPlain() throws Exception {
		for (String coding : new String[] { "gzip", "x-gzip", "deflate", "raw-deflate", "identity, gzip" }) {
			upstream.reset();
			upstream.respond(FakeUpstream.json(200, "{\"choices\":[]}"));
			byte[] plain = CHAT.getBytes(StandardCharsets.UTF_8);
			byte[] encoded = coding.equals("deflate") ? deflate(plain, false)
					: coding.equals("raw-deflate") ? deflate(plain, true) : gzip(plain);
			HttpResponse<String> response = post("/v1/chat/completions", encoded,
					coding.equals("raw-deflate") ? "deflate" : coding);
			assertThat(response.statusCode()).as(coding + ": " + response.body()).isEqualTo(200);
			FakeUpstream.Received received = upstream.takeRequest();
			JsonNode sent = JSON.readTree(received.body());
			assertThat(sent.get("model").asString()).isEqualTo("kimi-for-coding");
			assertThat(sent.get("thinking").path("type").asString()).isEqualTo("enabled");
			assertThat(sent.at("/messages/0/content").asString()).isEqualTo("h\u00e9llo \u2028");
			assertThat(received.headers().get("Content-Encoding")).as(coding).isNull();
			assertThat(received.headers().getInt("Content-Length")).isEqualTo(received.body().length);
		}
	}

	@Test
	void aGzipBombIs413InTheRoutesShapeAndNothingGoesUpstream() throws Exception {
		// 40 MB of zeros in a JSON string: about 40 KB on the wire, past the 32 MB limit once decoded.
		byte[] bomb = new byte[40 * 1024 * 1024];
		Arrays.fill(bomb, (byte) '0');
		byte[] head = "{\"model\":\"kimi-for-coding\",\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(head, 0, bomb, 0, head.length);
		bomb[bomb.length - 2] = '"';
		bomb[bomb.length - 1] = '}';
		byte[] encoded = gzip(bomb);
		assertThat(encoded.length).isLessThan(100_000);

		assertError(post("/v1/chat/completions", encoded, "gzip"), 413, "invalid_request_error");
		HttpResponse<String> anthropic = post("/v1/messages", encoded, "gzip");
		assertThat(anthropic.statusCode()).isEqualTo(413);
		assertThat(JSON.readTree(anthropic.body()).at("/error/type").asString()).isEqualTo("request_too_large");
		assertThat(JSON.readTree(anthropic.body()).get("type").asString()).isEqualTo("error");
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void aBrokenBodyIs400AndAnotherCodingIs415NamingTheHeader() throws Exception {
		byte[] gzipped = gzip(CHAT.getBytes(StandardCharsets.UTF_8));
		HttpResponse<String> truncated = post("/v1/chat/completions", Arrays.copyOf(gzipped, gzipped.length - 10),
				"gzip");
		assertError(truncated, 400, "invalid_request_error");
		assertThat(ErrorsTest.message(truncated)).contains("gzip").doesNotContain("JSON");
		assertError(post("/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8), "gzip"), 400,
				"invalid_request_error");
		assertError(post("/v1/chat/completions", "not deflate at all".getBytes(StandardCharsets.UTF_8), "deflate"), 400,
				"invalid_request_error");

		HttpResponse<String> brotli = post("/v1/chat/completions", CHAT.getBytes(StandardCharsets.UTF_8), "br");
		assertError(brotli, 415, "invalid_request_error");
		assertThat(ErrorsTest.message(brotli)).contains("Content-Encoding", "br");
		assertError(post("/v1/chat/completions", gzip(gzipped), "gzip, gzip"), 415, "invalid_request_error");
		HttpResponse<String> anthropic = post("/v1/messages", CHAT.getBytes(StandardCharsets.UTF_8), "zstd");
		assertThat(anthropic.statusCode()).isEqualTo(415);
		assertThat(JSON.readTree(anthropic.body()).at("/error/message").asString()).contains("Content-Encoding");
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	private HttpResponse<String> post(String path, byte[] body, String coding) throws Exception {
		return http.send(request(path).header("Content-Type", "application/json")
			.header("Content-Encoding", coding)
			.header("anthropic-version", "2023-06-01")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	static byte[] gzip(byte[] plain) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
			gzip.write(plain);
		}
		return out.toByteArray();
	}

	static byte[] deflate(byte[] plain, boolean raw) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
		try (DeflaterOutputStream stream = new DeflaterOutputStream(out, deflater)) {
			stream.write(plain);
		}
		finally {
			deflater.end();
		}
		return out.toByteArray();
	}

}
