package dev.kimicode2api;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.LogCapture;
import dev.kimicode2api.support.RawHttp;
import dev.kimicode2api.wire.LogSafe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's text cannot forge a line of the text access log: a model with a line break, a path with an encoded or a
 * raw line break, and a model far too long each give exactly one access line, escaped and bounded
 * ({@code JsonAccessLogTest} does the same for the JSON format).
 */
class LogForgingTest extends GatewayTest {

	/** Log lines of minimal bodies, which today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}

	static final String FORGED_MODEL = "x\nFAKE access line status=200";

	@Test
	void aModelWithALineBreakIsOneEscapedValueOfOneLine() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"choices\":[]}"));
		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":" + ChatCompletionsTest.JSON.writeValueAsString(FORGED_MODEL)
				+ ",\"messages\":[]}");
		String line = onlyAccessLine();
		assertThat(line).contains("model=\"x\\nFAKE access line status=200\" stream=false status=200");
	}

	@Test
	void aModelFarTooLongIsCut() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"choices\":[]}"));
		LogCapture.clear();
		postJson("/v1/chat/completions", "{\"model\":\"" + "m".repeat(10_000) + "\",\"messages\":[]}");
		String line = onlyAccessLine();
		assertThat(line).contains("model=" + "m".repeat(LogSafe.MAX_LENGTH) + LogSafe.CUT + " stream=false")
			.hasSizeLessThan(600);
	}

	@Test
	void pathsWithEncodedOrRawLineBreaksStayOnOneLine() throws Exception {
		LogCapture.clear();
		assertThat(get("/v1/models%0d%0aFAKE%20access%20line%20status=200").statusCode()).isEqualTo(404);
		assertThat(onlyAccessLine()).contains("GET \"/v1/models%0d%0aFAKE%20access%20line%20status=200\" route=local");

		// U+2028 and U+0085 as raw UTF-8 bytes in the request line: an HTTP client would encode them, a hostile one not.
		LogCapture.clear();
		byte[] head = "GET /v1/models/x\u2028FAKE\u0085line HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
			.getBytes(StandardCharsets.UTF_8);
		RawHttp.Response response = RawHttp.exchange(port, head);
		// Reactor Netty refuses such a URI before any Spring handler: no access line at all, and a JSON 400.
		assertThat(response.status()).isEqualTo(400);
		assertThat(ChatCompletionsTest.JSON.readTree(response.body()).at("/error/type").asString())
			.isEqualTo("invalid_request_error");
		Thread.sleep(200);
		assertThat(LogCapture.lines()).noneMatch(l -> l.startsWith("kimicode2api.access") || l.contains("FAKE"));
	}

	/** The one access line logged since the last clear, checked to hold no line break of any kind. */
	static String onlyAccessLine() throws InterruptedException {
		List<String> lines = LogCapture.accessLines(1);
		Thread.sleep(100); // a second (forged) line would arrive with the first
		lines = LogCapture.lines().stream().filter(l -> l.startsWith("kimicode2api.access")).toList();
		assertThat(lines).hasSize(1);
		assertThat(LogCapture.lines()).noneMatch(l -> l.startsWith("FAKE"));
		String line = lines.get(0);
		assertThat(line).doesNotContain("\n", "\r", "\u2028", "\u2029", "\u0085");
		assertThat(line.chars()).noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f);
		return line;
	}

}
