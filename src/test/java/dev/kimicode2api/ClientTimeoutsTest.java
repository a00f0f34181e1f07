package dev.kimicode2api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.SpringApplication;
import org.springframework.test.context.TestPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.RawHttp;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Clients that never finish: a head never completed is closed after {@code kimicode.client.header-timeout}, a body
 * that stops is a 408 in the route's error shape after {@code body-idle-timeout}, an idle kept-alive connection is
 * closed after {@code keep-alive-timeout}; a long stream to another client, a slow but steady upload and a reused
 * keep-alive connection are not affected. Short timeouts here; the bounds waited on are generous.
 */
@TestPropertySource(properties = { "kimicode.client.header-timeout=1s", "kimicode.client.body-idle-timeout=1s",
		"kimicode.client.keep-alive-timeout=6s" })
class ClientTimeoutsTest extends GatewayTest {

	/** Slow and stalled clients with minimal bodies, which today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final Duration BOUND = Duration.ofSeconds(10);

	@Test
	void connectionsThatNeverFinishTheirHeadAreClosedWhileAStreamToAnotherClientFlows() throws Exception {
		// A 5 s stream whose gaps (1.25 s) are longer than every client timeout here.
		List<String> events = List.of("data: {\"n\":1}", "data: {\"n\":2}", "data: {\"n\":3}", "data: {\"n\":4}",
				"data: [DONE]");
		upstream.respond(FakeUpstream.sse(events, Duration.ofMillis(1250)));
		CompletableFuture<HttpResponse<String>> stream = http.sendAsync(request("/v1/chat/completions")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"stream\":true}"))
			.build(), HttpResponse.BodyHandlers.ofString());

		List<Socket> hanging = new ArrayList<>();
		try {
			for (int i = 0; i < 20; i++) {
				Socket socket = new Socket("127.0.0.1", port);
				socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
				hanging.add(socket);
			}
			hanging.add(new Socket("127.0.0.1", port)); // connects and sends nothing
			Socket drip = new Socket("127.0.0.1", port); // one header byte every 200 ms, forever
			hanging.add(drip);
			CompletableFuture<Void> dripping = CompletableFuture.runAsync(() -> {
				try {
					OutputStream out = drip.getOutputStream();
					out.write("GET / HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
					for (int i = 0; i < 100; i++) {
						out.write('a');
						out.flush();
						Thread.sleep(200);
					}
				}
				catch (IOException | InterruptedException closed) {
					// the gateway closed it
				}
			});
			for (Socket socket : hanging) {
				assertClosedWithin(socket, BOUND);
			}
			dripping.get();
		}
		finally {
			for (Socket socket : hanging) {
				socket.close();
			}
		}

		HttpResponse<String> streamed = stream.get();
		assertThat(streamed.statusCode()).isEqualTo(200);
		assertThat(streamed.body()).contains("{\"n\":1}", "{\"n\":4}", "[DONE]");
		assertThat(get("/").statusCode()).isEqualTo(200);
	}

	@Test
	void aBodyThatStopsArrivingIsA408InTheRoutesShapeAndTheConnectionCloses() throws Exception {
		for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
			try (Socket socket = new Socket("127.0.0.1", port)) {
				socket.setSoTimeout((int) BOUND.toMillis());
				socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
						+ "Content-Length: 500\r\n\r\n{\"model\":\"kimi-for-coding\",")
					.getBytes(StandardCharsets.US_ASCII));
				RawHttp.Response response = RawHttp.read(socket.getInputStream());
				assertThat(response.status()).as(response.head()).isEqualTo(408);
				JsonNode body = JSON.readTree(response.body());
				if (path.equals("/v1/messages")) {
					assertThat(body.get("type").asString()).isEqualTo("error");
					assertThat(body.at("/error/type").asString()).isEqualTo("invalid_request_error");
				}
				else {
					assertThat(body.at("/error/type").asString()).isEqualTo("invalid_request_error");
				}
				assertThat(body.at("/error/message").asString()).contains("kimicode.client.body-idle-timeout");
				assertClosedWithin(socket, BOUND);
			}
		}
		assertThat(upstream.pollRequest(Duration.ofMillis(200))).isNull();
	}

	@Test
	void aSlowButSteadyUploadIsReadToItsEnd() throws Exception {
		upstream.respond(FakeUpstream.json(200, "{\"choices\":[]}"));
		byte[] body = ("{\"model\":\"kimi-for-coding\",\"messages\":[],\"pad\":\"" + "x".repeat(12) + "\"}")
			.getBytes(StandardCharsets.US_ASCII);
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout((int) BOUND.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
					+ "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			// 3.5 s in all, longer than the 1 s timeouts; never silent for more than 0.25 s.
			for (int i = 0; i < body.length; i += 5) {
				out.write(body, i, Math.min(5, body.length - i));
				out.flush();
				Thread.sleep(250);
			}
			assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(200);
		}
		assertThat(upstream.takeRequest().body()).isEqualTo(body);
	}

	@Test
	void aKeptAliveConnectionIsReusedWithinItsTimeAndClosedAfterIt() throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout((int) BOUND.toMillis());
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(RawHttp.read(in).status()).isEqualTo(200);
			Thread.sleep(2000); // longer than the header timeout: idle between requests is not a slow head
			out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(RawHttp.read(in).status()).isEqualTo(200);
			assertClosedWithin(socket, Duration.ofSeconds(15));
		}
	}

	@Test
	void aSlowHeadOnAKeptAliveConnectionHasTheHeaderTimeout() throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout((int) BOUND.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(200);
			long start = System.nanoTime();
			out.write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
			assertClosedWithin(socket, BOUND);
			// before the keep-alive timeout (6 s) could have closed it
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(5500));
		}
	}

	@Test
	void aTimeoutThatIsNotPositiveStopsTheStartUpNamingTheKey() {
		for (String bad : List.of("kimicode.client.header-timeout=0s", "kimicode.client.body-idle-timeout=-1s",
				"kimicode.client.max-connections=-1")) {
			assertThatThrownBy(() -> SpringApplication.run(Kimicode2ApiApplication.class, "--server.port=0",
					"--spring.jmx.enabled=false", "--KIMI_API_BASE_URL=" + upstream.baseUrl(), "--" + bad).close())
				.as(bad)
				.satisfies(e -> assertThat(messages(e)).contains(bad.substring(0, bad.indexOf('='))));
		}
	}

	/** Reads until the gateway closes the connection (whatever it still sends, e.g. a 408, is skipped). */
	static void assertClosedWithin(Socket socket, Duration bound) throws IOException {
		socket.setSoTimeout((int) bound.toMillis());
		InputStream in = socket.getInputStream();
		try {
			while (in.read() >= 0) {
				// an answer, if any, before the close
			}
		}
		catch (SocketTimeoutException stillOpen) {
			throw new AssertionError("connection still open after " + bound);
		}
		catch (IOException reset) {
			// closed with a reset: closed all the same
		}
	}

	private static String messages(Throwable e) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

}
