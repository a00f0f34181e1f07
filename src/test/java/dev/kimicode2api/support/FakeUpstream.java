package dev.kimicode2api.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import io.netty.handler.codec.http.HttpHeaders;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A real HTTP server standing in for Kimi: each test says how it answers, and every request it received (method,
 * raw URI, headers, body) is recorded. Built on Reactor Netty so it can stall, reset and stream on cue.
 */
public final class FakeUpstream implements AutoCloseable {

	/** What the fake does with one request whose body it has already read. */
	public interface Behaviour extends BiFunction<Received, HttpServerResponse, Publisher<Void>> {
	}

	public record Received(String method, String uri, HttpHeaders headers, byte[] body) {

		public String bodyText() {
			return new String(body, StandardCharsets.UTF_8);
		}

	}

	private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

	private final AtomicInteger connections = new AtomicInteger();

	private final DisposableServer server;

	private volatile Behaviour behaviour = json(200, "{}");

	/** Whether requests are checked as Kimi checks them ({@link KimiRules}) before the behaviour answers. */
	private volatile boolean kimiRules = true;

	/** Which Kimi the fake plays: today's by default. */
	private volatile KimiRules.Era era = KimiRules.Era.TODAY;

	/** How {@code GET …/v1/models} is answered: Kimi's catalogue for the asking key, unless a test says otherwise. */
	private volatile Behaviour catalogue = catalogue();

	private final AtomicInteger catalogueRequests = new AtomicInteger();

	/** Counted down when a client connection to this fake closes. */
	private volatile CountDownLatch closed = new CountDownLatch(1);

	/**
	 * Event loops of the fakes' own: a gateway context that closes disposes Reactor Netty's global resources, which
	 * would take down a fake that outlives it (the shared one in GatewayTest).
	 */
	private static final LoopResources LOOPS = LoopResources.create("fake-upstream", 2, true);

	public FakeUpstream() {
		this.server = HttpServer.create()
			.runOn(LOOPS)
			.host("127.0.0.1")
			.port(0)
			.doOnConnection(connection -> {
				connections.incrementAndGet();
				connection.onDispose(() -> closed.countDown());
			})
			.handle(this::handle)
			.bindNow();
	}

	private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		Behaviour current = behaviour;
		return request.receive()
			.aggregate()
			.asByteArray()
			.defaultIfEmpty(new byte[0])
			.flatMap(body -> {
				Received r = new Received(request.method().name(), request.uri(), request.requestHeaders().copy(),
						body);
				String path = r.uri().contains("?") ? r.uri().substring(0, r.uri().indexOf('?')) : r.uri();
				if (r.method().equals("GET") && path.endsWith("/v1/models")) {
					catalogueRequests.incrementAndGet(); // Kimi's catalogue is its own endpoint, not a test's request
					return Mono.from(era == KimiRules.Era.TODAY ? catalogue.apply(r, response)
							: json(404, "{\"error\":{\"message\":\"Not found\",\"type\":\"not_found\"}}").apply(r, response));
				}
				received.add(r);
				boolean chat = path.endsWith("/chat/completions");
				if (kimiRules && era == KimiRules.Era.TODAY && chat && !codingAgent(r.headers().get("User-Agent"))) {
					return Mono.from(json(403, "{\"error\":{\"message\":\"Kimi For Coding is currently only available"
							+ " for Coding Agents such as Kimi CLI, Claude Code, Roo Code, Kilo Code, etc.\",\"type\":"
							+ "\"access_terminated_error\"}}").apply(r, response));
				}
				String violation = !kimiRules ? null : chat ? KimiRules.violation(body, era)
						: era == KimiRules.Era.TODAY && path.endsWith("/v1/messages") ? KimiRules.messagesViolation(body)
								: null;
				if (violation != null) {
					String error = chat ? "{\"error\":{\"message\":" + quote(violation) + ",\"type\":\"invalid_request_error\"}}"
							: "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
									+ quote(violation) + "}}";
					return Mono.from(json(400, error).apply(r, response));
				}
				return Mono.from(current.apply(r, response));
			});
	}

	/** The User-Agents Kimi For Coding was reported to accept in 2026 (and the gateway's default, KimiCLI/…). */
	private static boolean codingAgent(String userAgent) {
		return userAgent != null && (userAgent.startsWith("KimiCLI/") || userAgent.startsWith("kimi-code-cli/")
				|| userAgent.startsWith("claude-cli/") || userAgent.startsWith("claude-code/")
				|| userAgent.startsWith("Kilo-Code/") || userAgent.startsWith("RooCode/"));
	}

	/** Kimi's catalogue for the key the request carries (not User-Agent gated); 401 without a key. */
	public static Behaviour catalogue() {
		return (request, response) -> {
			String auth = request.headers().get("Authorization");
			String key = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip()
					: request.headers().get("x-api-key");
			if (key == null || key.isBlank()) {
				return json(401, "{\"error\":{\"message\":\"Invalid Authentication\",\"type\":\"invalid_authentication_error\"}}")
					.apply(request, response);
			}
			return json(200, KimiCatalogue.forKey(key)).apply(request, response);
		};
	}

	/** Plays Kimi as the seed knew it in 2025: no catalogue, no gate, thinking only when asked for. */
	public void kimi2025() {
		this.era = KimiRules.Era.Y2025;
	}

	/** How the catalogue is answered from now on (a failure, a stall), until {@link #reset()}. */
	public void catalogue(Behaviour behaviour) {
		this.catalogue = behaviour;
	}

	/** How many times the catalogue was asked for since the fake started. */
	public int catalogueRequests() {
		return catalogueRequests.get();
	}

	public String baseUrl() {
		return "http://127.0.0.1:" + server.port();
	}

	public int port() {
		return server.port();
	}

	public void respond(Behaviour behaviour) {
		this.behaviour = behaviour;
	}

	/** Turns Kimi's request checks off (for tests of what the gateway does without its repairs). */
	public void kimiRules(boolean on) {
		this.kimiRules = on;
	}

	private static String quote(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	public void reset() {
		received.clear();
		kimiRules = true;
		era = KimiRules.Era.TODAY;
		catalogue = catalogue();
		behaviour = json(200, "{}");
		closed = new CountDownLatch(1);
	}

	public int connectionsOpened() {
		return connections.get();
	}

	/** Waits for the next connection close seen by this fake after {@link #reset()}. */
	public boolean awaitConnectionClosed(Duration timeout) throws InterruptedException {
		return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public Received takeRequest() throws InterruptedException {
		Received r = received.poll(10, TimeUnit.SECONDS);
		if (r == null) {
			throw new AssertionError("the fake upstream received no request");
		}
		return r;
	}

	public Received pollRequest(Duration timeout) throws InterruptedException {
		return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public int requestCount() {
		return received.size();
	}

	public static Behaviour json(int status, String body, String... headerPairs) {
		return (request, response) -> {
			response.status(status).header("Content-Type", "application/json");
			for (int i = 0; i < headerPairs.length; i += 2) {
				response.header(headerPairs[i], headerPairs[i + 1]);
			}
			return response.sendString(Mono.just(body));
		};
	}

	public static Behaviour text(int status, String contentType, String body) {
		return (request, response) -> response.status(status)
			.header("Content-Type", contentType)
			.sendString(Mono.just(body));
	}

	/** Server-Sent Events, each flushed alone, with {@code gap} between them. */
	public static Behaviour sse(List<String> events, Duration gap) {
		return (request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Flux.fromIterable(events).delayElements(gap).map(e -> e + "\n\n"), StandardCharsets.UTF_8)
			.then();
	}

	/** Sends {@code first}, then waits for {@code release} before sending {@code rest}. */
	public static Behaviour sseGated(String first, CountDownLatch release, List<String> rest) {
		return (request, response) -> response.header("Content-Type", "text/event-stream")
			.sendString(Flux.concat(Mono.just(first + "\n\n"),
					Mono.fromCallable(() -> release.await(20, TimeUnit.SECONDS))
						.subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
						.thenMany(Flux.fromIterable(rest).map(e -> e + "\n\n"))))
			.then();
	}

	/**
	 * Sends 50,000 events of about 2 KB as fast as the connection takes them (100 MB: more than any socket buffer holds),
	 * and counts {@code closed} down when the connection closes.
	 */
	public static Behaviour fastStream(CountDownLatch closed) {
		return fastStream(200, 50_000, closed);
	}

	/** {@link #fastStream(CountDownLatch)} with another status and number of events. */
	public static Behaviour fastStream(int status, int events, CountDownLatch closed) {
		String event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "x".repeat(2000) + "\"}}]}\n\n";
		return (request, response) -> {
			response.withConnection(connection -> connection.onDispose(closed::countDown));
			return response.status(status)
				.header("Content-Type", "text/event-stream")
				.sendString(Flux.range(0, events).map(i -> event))
				.then();
		};
	}

	/** Closes the connection without any response. */
	public static Behaviour resetBeforeResponse() {
		return (request, response) -> {
			response.withConnection(connection -> connection.channel().close());
			return Mono.never();
		};
	}

	/** Never answers. */
	public static Behaviour stall() {
		return (request, response) -> Mono.never();
	}

	@Override
	public void close() {
		server.disposeNow(Duration.ofSeconds(5));
	}

}
