package dev.kimicode2api;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/** A bounded mixed load with faults: every good request answered correctly, the gateway healthy at the end. */
class SoakTest extends GatewayTest {

	/** Mixed faults under load with minimal bodies: the gateway's own behaviour, not Kimi's request checks. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final int REQUESTS = 3000;

	@Test
	void mixedTrafficWithFaults() throws Exception {
		List<String> events = List.of("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}",
				"data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", "data: [DONE]");
		FakeUpstream.Behaviour ok = FakeUpstream.json(200, "{\"id\":\"ok\"}");
		FakeUpstream.Behaviour stream = FakeUpstream.sse(events, Duration.ZERO);
		FakeUpstream.Behaviour limited = FakeUpstream.json(429, "{\"message\":\"slow down\"}", "Retry-After", "1");
		FakeUpstream.Behaviour html = FakeUpstream.text(502, "text/html", "<html>bad</html>");
		FakeUpstream.Behaviour reset = FakeUpstream.resetBeforeResponse();
		upstream.respond((request, response) -> {
			String body = request.bodyText();
			if (body.contains("\"s\":\"thinking\"")) {
				return body.contains("\"model\":\"kimi-for-coding\"") && body.contains("\"thinking\":{\"type\":\"enabled\"}")
						? ok.apply(request, response) : response.status(418).send();
			}
			if (body.contains("\"s\":\"stream\"")) {
				return stream.apply(request, response);
			}
			if (body.contains("\"s\":\"429\"")) {
				return limited.apply(request, response);
			}
			if (body.contains("\"s\":\"html\"")) {
				return html.apply(request, response);
			}
			if (body.contains("\"s\":\"reset\"")) {
				return reset.apply(request, response);
			}
			return ok.apply(request, response);
		});
		String[] scenarios = { "plain", "thinking", "stream", "429", "html", "reset", "badjson" };
		Semaphore inFlight = new Semaphore(32);
		ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
		List<CompletableFuture<?>> all = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < REQUESTS; i++) {
			String s = scenarios[i % scenarios.length];
			String model = s.equals("thinking") ? "kimi-for-coding-thinking" : "kimi-for-coding";
			String body = s.equals("badjson") ? "{\"model\": [" : "{\"model\":\"" + model + "\",\"s\":\"" + s + "\""
					+ (s.equals("stream") ? ",\"stream\":true}" : "}");
			inFlight.acquire();
			HttpRequest request = request("/v1/chat/completions").header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build();
			all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
				inFlight.release();
				String problem = error != null ? error.toString() : check(s, response, events);
				if (problem != null) {
					failures.add(s + ": " + problem);
				}
			}));
		}
		CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		assertThat(failures).isEmpty();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
		upstream.respond(FakeUpstream.json(200, "{\"id\":\"after\"}"));
		assertThat(postJson("/v1/chat/completions", "{\"model\":\"kimi-for-coding\"}").body()).isEqualTo("{\"id\":\"after\"}");
		assertThat(get("/").statusCode()).isEqualTo(200);
	}

	private static String check(String scenario, HttpResponse<String> response, List<String> events) {
		int status = response.statusCode();
		String body = response.body();
		boolean good = switch (scenario) {
			case "plain", "thinking" -> status == 200 && body.equals("{\"id\":\"ok\"}");
			case "stream" -> status == 200 && body.equals(String.join("\n\n", events) + "\n\n");
			case "429" -> status == 429 && body.contains("upstream_error")
					&& response.headers().firstValue("Retry-After").orElse("").equals("1");
			case "html" -> status == 502 && body.contains("upstream_error");
			case "reset" -> status == 502 && body.contains("proxy_error");
			case "badjson" -> status == 400 && body.contains("invalid_request_error");
			default -> false;
		};
		return good ? null : status + " " + body;
	}

}
