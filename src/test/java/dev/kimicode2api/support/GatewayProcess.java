package dev.kimicode2api.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway as a process of its own, the way a container runs it: started with the given JVM arguments and
 * environment, its output collected line by line, stopped with a real signal.
 */
public final class GatewayProcess implements AutoCloseable {

	private static final Pattern STARTED = Pattern.compile("Netty started on port (\\d+)");

	private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final Process process;

	private final Thread pump;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private GatewayProcess(Process process) {
		this.process = process;
		this.pump = new Thread(this::collectOutput, "gateway-output");
		this.pump.setDaemon(true);
		this.pump.start();
	}

	/** Starts {@code java <arguments>} with the given extra environment (SERVER_PORT defaults to 0). */
	public static GatewayProcess start(List<String> arguments, Map<String, String> environment) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(arguments);
		ProcessBuilder builder = new ProcessBuilder(command);
		// Only what the test gives: settings from the environment that runs the build must not reach the gateway.
		builder.environment().keySet().removeAll(List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "SPRING_PROFILES_ACTIVE"));
		builder.environment().put("SERVER_PORT", "0");
		builder.environment().putAll(environment);
		builder.redirectErrorStream(true);
		return new GatewayProcess(builder.start());
	}

	/** Waits until the server is up and answers GET / with 200; returns its port. */
	public int awaitReady(Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			assertThat(process.isAlive()).as("gateway process running; output:\n" + output()).isTrue();
			for (String line : output) {
				Matcher m = STARTED.matcher(line);
				if (m.find()) {
					int port = Integer.parseInt(m.group(1));
					HttpResponse<String> root = HTTP.send(
							HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
								.timeout(Duration.ofSeconds(30))
								.build(),
							HttpResponse.BodyHandlers.ofString());
					assertThat(root.statusCode()).isEqualTo(200);
					return port;
				}
			}
			Thread.sleep(100);
		}
		throw new AssertionError("gateway did not start within " + timeout + "; output:\n" + output());
	}

	/** Waits for the process to end by itself; returns its exit status. */
	public int awaitExit(Duration timeout) throws InterruptedException {
		assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
			.as("gateway process exited within " + timeout + "; output:\n" + output())
			.isTrue();
		pump.join(5000);
		return process.exitValue();
	}

	/**
	 * SIGTERM through the process handle: {@link Process#destroy()} sends the same signal but also closes our end of
	 * the process's output, which would hide everything it logs while shutting down.
	 */
	public void sigterm() {
		assertThat(process.toHandle().destroy()).as("SIGTERM sent").isTrue();
	}

	public void note(String line) {
		output.add(line);
	}

	public String output() {
		return String.join("\n", output);
	}

	/** No Netty LEAK: report and no stack trace or exception in everything the process wrote so far. */
	public void assertCleanOutput() throws InterruptedException {
		if (!process.isAlive()) {
			pump.join(5000);
		}
		String all = output();
		assertThat(output).as(all).noneMatch(l -> l.contains("LEAK:"));
		assertThat(output).as(all).noneMatch(l -> l.matches("\\s+at [\\w.$]+\\(.*") || l.contains("Exception"));
	}

	private void collectOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				output.add(line);
			}
		}
		catch (IOException ended) {
			// the process is gone
		}
	}

	/** Kills the process if it still runs and prints its output, so a failed test shows what the gateway said. */
	@Override
	public void close() throws InterruptedException {
		if (process.isAlive()) {
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		pump.join(5000);
		System.out.println("---- gateway process output ----\n" + output() + "\n---- end ----");
	}

}
