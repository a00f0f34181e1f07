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

	/** Whether chat completions are checked as Kimi checks them ({@link KimiRules}) before the behaviour answers. */
	private volatile boolean kimiRules = true;

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
				received.add(r);
				String violation = kimiRules && r.uri().contains("/chat/completions") ? KimiRules.violation(body)
						: null;
				if (violation != null) {
					return Mono.from(json(400, "{\"error\":{\"message\":" + quote(violation)
							+ ",\"type\":\"invalid_request_error\"}}").apply(r, response));
				}
				return Mono.from(current.apply(r, response));
			});
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
