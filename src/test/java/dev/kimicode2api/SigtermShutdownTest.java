package dev.kimicode2api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.kimicode2api.support.FakeUpstream;

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

	private Process process;

	private Thread pump;

	private final List<String> output = new CopyOnWriteArrayList<>();

	@AfterEach
	void stopProcess() throws InterruptedException {
		if (process != null && process.isAlive()) {
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		if (pump != null) {
			pump.join(5000);
		}
		System.out.println("---- gateway process output ----\n" + String.join("\n", output) + "\n---- end ----");
	}

	@Test
	void inFlightStreamFinishesNewConnectionsAreRefusedAndTheProcessExits() throws Exception {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 7; i++) {
			sent.add("data: {\"n\":" + i + "}");
		}
		sent.add("data: [DONE]");
		try (FakeUpstream upstream = new FakeUpstream()) {
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
				sigterm();
				assertThat(refusesNewConnections(port)).as("new connections refused after SIGTERM").isTrue();
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					if (!line.isEmpty()) {
						received.add(line);
					}
				}
			}
			assertThat(received).containsExactlyElementsOf(sent);
			assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited within the grace period").isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).isLessThan(Duration.ofSeconds(10));
			assertThat(process.exitValue()).isEqualTo(EXIT_AFTER_SIGTERM);
			assertCleanOutput();
		}
	}

	@Test
	void aStreamOutlastingTheGracePeriodIsCutAndTheProcessStillExits() throws Exception {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			sent.add("data: {\"n\":" + i + "}");
		}
		try (FakeUpstream upstream = new FakeUpstream()) {
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
				sigterm();
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
			assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("exited after the grace period").isTrue();
			Duration exited = Duration.ofNanos(System.nanoTime() - sigterm);
			output.add("[test] stream ended after " + streamEnded.toMillis() + " ms (error: " + endedWithError
					+ "), process exited after " + exited.toMillis() + " ms, " + received.size() + " events");
			assertThat(received).as("the stream was cut").hasSizeLessThan(sent.size());
			assertThat(received).as("events kept flowing during the grace period").hasSizeGreaterThan(5);
			assertThat(streamEnded).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(8));
			// Grace period, then about 2 s for Reactor Netty's event loops to wind down.
			assertThat(exited).isLessThan(Duration.ofSeconds(10));
			assertThat(process.exitValue()).isEqualTo(EXIT_AFTER_SIGTERM);
			assertCleanOutput();
		}
	}

	/**
	 * SIGTERM through the process handle: {@link Process#destroy()} sends the same signal but also closes our end of
	 * the process's output, which would hide everything it logs while shutting down.
	 */
	private void sigterm() {
		assertThat(process.toHandle().destroy()).as("SIGTERM sent").isTrue();
	}

	/** Starts the application in its own JVM and waits until it answers; returns its port. */
	private int startGateway(FakeUpstream upstream, String gracePeriod) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder builder = new ProcessBuilder(java, "-Dio.netty.leakDetection.level=paranoid",
				"-XX:TieredStopAtLevel=1", "-Dspring.jmx.enabled=false", "-cp", System.getProperty("java.class.path"),
				Kimicode2ApiApplication.class.getName());
		builder.environment().put("KIMI_API_BASE_URL", upstream.baseUrl());
		builder.environment().put("SERVER_PORT", "0");
		builder.environment().put("SHUTDOWN_GRACE_PERIOD", gracePeriod);
		builder.redirectErrorStream(true);
		process = builder.start();
		pump = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					output.add(line);
				}
			}
			catch (IOException ended) {
				// the process is gone
			}
		}, "gateway-output");
		pump.setDaemon(true);
		pump.start();
		Pattern started = Pattern.compile("Netty started on port (\\d+)");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline) {
			assertThat(process.isAlive()).as("gateway process running; output:\n" + String.join("\n", output)).isTrue();
			for (String line : output) {
				Matcher m = started.matcher(line);
				if (m.find()) {
					int port = Integer.parseInt(m.group(1));
					HttpResponse<String> root = http.send(
							HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
							HttpResponse.BodyHandlers.ofString());
					assertThat(root.statusCode()).isEqualTo(200);
					return port;
				}
			}
			Thread.sleep(100);
		}
		throw new AssertionError("gateway did not start; output:\n" + String.join("\n", output));
	}

	private void assertCleanOutput() throws InterruptedException {
		pump.join(5000);
		String all = String.join("\n", output);
		assertThat(output).as(all).noneMatch(l -> l.contains("LEAK:"));
		assertThat(output).as(all).noneMatch(l -> l.matches("\\s+at [\\w.$]+\\(.*") || l.contains("Exception"));
	}

	private static boolean refusesNewConnections(int port) throws InterruptedException {
		for (int i = 0; i < 250; i++) {
			try (Socket socket = new Socket("127.0.0.1", port)) {
				Thread.sleep(20);
			}
			catch (ConnectException refused) {
				return true;
			}
			catch (IOException other) {
				return true;
			}
		}
		return false;
	}

}
