package dev.kimicode2api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.GatewayProcess;
import dev.kimicode2api.support.RawHttp;

import static dev.kimicode2api.RetryAndShutdownTest.chat;
import static dev.kimicode2api.RetryAndShutdownTest.http;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real SIGTERM to the application running as its own JVM (as in a container), not a context close: in-flight
 * streams finish, new connections are refused, the process exits by itself within SHUTDOWN_GRACE_PERIOD; a stream
 * that outlasts the grace period is cut and the process still exits. The JVM runs with paranoid leak detection and
 * its output must hold no LEAK: report and no stack trace.
 */
class SigtermShutdownTest {

	/** The JVM's exit status after a SIGTERM that it handled with its shutdown hooks: 128 + 15. */
	static final int EXIT_AFTER_SIGTERM = 143;

	private GatewayProcess gateway;

	@AfterEach
	void stopProcess() throws InterruptedException {
		if (gateway != null) {
			gateway.close();
		}
	}

	@Test
	void inFlightStreamFinishesNewConnectionsAreRefusedAndTheProcessExits() throws Exception {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 7; i++) {
			sent.add("data: {\"n\":" + i + "}");
		}
		sent.add("data: [DONE]");
		try (FakeUpstream upstream = new FakeUpstream()) {
			upstream.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			// Events 300 ms apart with a 3 s pause in the middle, as a thinking model makes: about 5 s in all, well
			// inside the 10 s grace period. The pause matters: with server.shutdown=immediate a short stream that
			// keeps talking can still finish while Reactor Netty's event loops wind down, a pausing one is cut.
			upstream.respond((request, r) -> r.header("Content-Type", "text/event-stream")
				.sendString(Flux.range(0, sent.size())
					.concatMap(i -> Mono.just(sent.get(i) + "\n\n").delayElement(Duration.ofMillis(i == 4 ? 3000 : 300))),
						StandardCharsets.UTF_8)
				.then());
			int port = startGateway(upstream, "10s");
			HttpResponse<InputStream> response = http.send(chat(port, "{\"model\":\"kimi-for-coding\",\"stream\":true}"),
					HttpResponse.BodyHandlers.ofInputStream());
			assertThat(response.statusCode()).isEqualTo(200);
			List<String> received = new ArrayList<>();
			long sigterm;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
				received.add(reader.readLine());
				sigterm = System.nanoTime();
				gateway.sigterm();
				assertThat(RawHttp.refusesNewConnections(port, 250)).as("new connections refused after SIGTERM").isTrue();
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					if (!line.isEmpty()) {
						received.add(line);
					}
				}
			}
			assertThat(received).containsExactlyElementsOf(sent);
			int status = gateway.awaitExit(Duration.ofSeconds(10));
			assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).isLessThan(Duration.ofSeconds(10));
			assertThat(status).isEqualTo(EXIT_AFTER_SIGTERM);
			gateway.assertCleanOutput();
			// The stream's access line reached the log before the process ended.
			assertThat(gateway.output()).contains(
					"POST /v1/chat/completions route=kimi-chat model=kimi-for-coding stream=true status=200");
		}
	}

	@Test
	void aStreamOutlastingTheGracePeriodIsCutAndTheProcessStillExits() throws Exception {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			sent.add("data: {\"n\":" + i + "}");
		}
		try (FakeUpstream upstream = new FakeUpstream()) {
			upstream.kimi2025(); // the gateway's own behaviour is tested here, with minimal bodies
			// 60 events 300 ms apart: 18 s, far beyond the 3 s grace period.
			upstream.respond(FakeUpstream.sse(sent, Duration.ofMillis(300)));
			int port = startGateway(upstream, "3s");
			HttpResponse<InputStream> response = http.send(chat(port, "{\"model\":\"kimi-for-coding\",\"stream\":true}"),
					HttpResponse.BodyHandlers.ofInputStream());
			List<String> received = new ArrayList<>();
			long sigterm;
			boolean endedWithError = false;
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
				received.add(reader.readLine());
				sigterm = System.nanoTime();
				gateway.sigterm();
				try {
					for (String line = reader.readLine(); line != null; line = reader.readLine()) {
						if (!line.isEmpty()) {
							received.add(line);
						}
					}
				}
				catch (IOException cut) {
					endedWithError = true;
				}
			}
			Duration streamEnded = Duration.ofNanos(System.nanoTime() - sigterm);
			int status = gateway.awaitExit(Duration.ofSeconds(15));
			Duration exited = Duration.ofNanos(System.nanoTime() - sigterm);
			gateway.note("[test] stream ended after " + streamEnded.toMillis() + " ms (error: " + endedWithError
					+ "), process exited after " + exited.toMillis() + " ms, " + received.size() + " events");
			assertThat(received).as("the stream was cut").hasSizeLessThan(sent.size());
			assertThat(received).as("events kept flowing during the grace period").hasSizeGreaterThan(5);
			assertThat(streamEnded).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(8));
			// Grace period, then about 2 s for Reactor Netty's event loops to wind down.
			assertThat(exited).isLessThan(Duration.ofSeconds(10));
			assertThat(status).isEqualTo(EXIT_AFTER_SIGTERM);
			gateway.assertCleanOutput();
		}
	}

	/** Starts the application in its own JVM from the test class path and waits until it answers; returns its port. */
	private int startGateway(FakeUpstream upstream, String gracePeriod) throws Exception {
		gateway = GatewayProcess.start(
				List.of("-Dio.netty.leakDetection.level=paranoid", "-XX:TieredStopAtLevel=1", "-Dspring.jmx.enabled=false",
						"-cp", System.getProperty("java.class.path"), Kimicode2ApiApplication.class.getName()),
				Map.of("KIMI_API_BASE_URL", upstream.baseUrl(), "SHUTDOWN_GRACE_PERIOD", gracePeriod));
		return gateway.awaitReady(Duration.ofSeconds(60));
	}

}
