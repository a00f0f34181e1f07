package dev.kimicode2api.models;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.store.Credential;
import dev.kimicode2api.wire.Json;

/**
 * The upstream's own model catalogue ({@code GET <base>/v1/models}), per key: plans differ, so it is fetched with the
 * asking client's key and kept under that key's SHA-256 (as the agent store scopes state), never shared with another
 * key. A request never waits longer than the route's {@code catalogue.wait} for a key's first fetch (the YAML's
 * declared models serve meanwhile); later fetches happen in the background, on the first use after
 * {@code catalogue.refresh}, with that use's key. A failed fetch keeps what was known (or the declared models) and is
 * not tried again for a minute (or {@code refresh}, if shorter).
 */
@Component
public class ModelCatalogue {

	private static final Logger log = LoggerFactory.getLogger(ModelCatalogue.class);

	private static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);

	private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	private final HttpClient http;

	private final GatewayMetrics metrics;

	/** At most this many keys' catalogues, each dropped after a day unused. */
	private final Cache<Key, Entry> entries = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofDays(1))
		.executor(Runnable::run) // maintenance on the calling thread: no hand-off per request (docs/performance.md)
		.build();

	private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

	public ModelCatalogue(HttpClient http, GatewayMetrics metrics) {
		this.http = http;
		this.metrics = metrics;
	}

	private record Key(String url, String owner) {
	}

	/** A key's catalogue as last fetched: model id to what it accepts, in the upstream's order. */
	private record Snapshot(Map<String, ModelCapabilities> models, long fetchedNanos) {
	}

	private static final class Entry {

		volatile @Nullable Snapshot snapshot;

		volatile long failedNanos;

		volatile boolean failed;

		@Nullable CompletableFuture<Map<String, ModelCapabilities>> inflight;

	}

	/**
	 * The models the upstream lists for the key of this request, waiting at most {@code wait} for a first fetch; empty
	 * when the route has no catalogue, the request has no key, or the catalogue is not (yet) known; then the route's
	 * declared models serve.
	 */
	public Mono<Map<String, ModelCapabilities>> models(RouteSettings route, HttpHeaders headers, Duration wait) {
		Map<String, ModelCapabilities> now = now(route, headers);
		return now != null ? Mono.just(now) : first(route, headers, wait);
	}

	/**
	 * What is known now of this request's key, without waiting: the last fetched catalogue (fetched again in the
	 * background once older than {@code refresh}), or empty (no catalogue, no key, a recent failure); {@code null}
	 * when the key's first fetch is under way (started here if need be): see {@link #first}.
	 */
	public @Nullable Map<String, ModelCapabilities> now(RouteSettings route, HttpHeaders headers) {
		RouteSettings.Catalogue catalogue = route.catalogue();
		Credential owner = catalogue == null ? null : Credential.of(headers);
		if (owner == null) {
			return Map.of();
		}
		Entry entry = entries.get(new Key(catalogue.url().toString(), owner.hash()), key -> new Entry());
		long now = System.nanoTime();
		Snapshot snapshot = entry.snapshot;
		boolean mayFetch = !entry.failed || now - entry.failedNanos >= retryAfter(catalogue).toNanos();
		if (snapshot != null) {
			if (mayFetch && now - snapshot.fetchedNanos() >= catalogue.refresh().toNanos()) {
				fetch(route, catalogue, headers, entry); // in the background: this request uses what is known
			}
			return snapshot.models();
		}
		if (!mayFetch) {
			return Map.of();
		}
		CompletableFuture<Map<String, ModelCapabilities>> fetching = fetch(route, catalogue, headers, entry);
		return fetching.isDone() && !fetching.isCompletedExceptionally() ? fetching.join() : null;
	}

	/** The key's first fetch, waited for at most {@code wait}; empty if it fails or takes longer. */
	public Mono<Map<String, ModelCapabilities>> first(RouteSettings route, HttpHeaders headers, Duration wait) {
		RouteSettings.Catalogue catalogue = route.catalogue();
		Credential owner = catalogue == null ? null : Credential.of(headers);
		Entry entry = owner == null ? null : entries.getIfPresent(new Key(catalogue.url().toString(), owner.hash()));
		CompletableFuture<Map<String, ModelCapabilities>> fetching;
		synchronized (entry != null ? entry : this) {
			fetching = entry == null ? null : entry.inflight;
		}
		if (fetching == null) {
			Snapshot snapshot = entry == null ? null : entry.snapshot;
			return Mono.just(snapshot == null ? Map.of() : snapshot.models());
		}
		if (wait.isZero()) {
			return Mono.just(Map.of());
		}
		// the fetch goes on when this request stops waiting for it: the next request finds it done
		// (a failure is the declared models too, and never an error that a request which stopped waiting must drop)
		return Mono.fromFuture(fetching.exceptionally(error -> Map.of()), true).timeout(wait, Mono.just(Map.of()));
	}

	private static Duration retryAfter(RouteSettings.Catalogue catalogue) {
		return catalogue.refresh().compareTo(RETRY_AFTER_FAILURE) < 0 ? catalogue.refresh() : RETRY_AFTER_FAILURE;
	}

	/** The entry's fetch in flight, or a new one with this request's key: one fetch per key at a time. */
	private CompletableFuture<Map<String, ModelCapabilities>> fetch(RouteSettings route,
			RouteSettings.Catalogue catalogue, HttpHeaders client, Entry entry) {
		synchronized (entry) {
			if (entry.inflight != null) {
				return entry.inflight;
			}
			CompletableFuture<Map<String, ModelCapabilities>> fetching = request(route, catalogue, client).toFuture();
			entry.inflight = fetching;
			fetching.whenComplete((models, error) -> {
				synchronized (entry) {
					entry.inflight = null;
				}
				if (error == null) {
					entry.snapshot = new Snapshot(models, System.nanoTime());
					entry.failed = false;
					metrics.catalogueFetch(route.routeId(), "ok");
				}
				else {
					entry.failed = true;
					entry.failedNanos = System.nanoTime();
					metrics.catalogueFetch(route.routeId(), "error");
					warn(catalogue, error);
				}
			});
			return fetching;
		}
	}

	private Mono<Map<String, ModelCapabilities>> request(RouteSettings route, RouteSettings.Catalogue catalogue,
			HttpHeaders client) {
		return http.responseTimeout(catalogue.timeout())
			.headers(headers -> {
				// the client's own key, as it sent it; nothing else of the client's request
				copy(client, headers, HttpHeaders.AUTHORIZATION);
				copy(client, headers, "x-api-key");
				headers.set(HttpHeaderNames.ACCEPT, "application/json");
				if (route.userAgent() != null) {
					headers.set(HttpHeaderNames.USER_AGENT, route.userAgent());
				}
			})
			.get()
			.uri(catalogue.url())
			.responseSingle((response, body) -> response.status().code() == 200 ? body.asByteArray()
					: Mono.error(new CatalogueException("HTTP " + response.status().code())))
			.timeout(catalogue.timeout())
			.map(ModelCatalogue::parse);
	}

	private static void copy(HttpHeaders from, io.netty.handler.codec.http.HttpHeaders to, String name) {
		String value = from.getFirst(name);
		if (value != null) {
			to.set(name, value);
		}
	}

	/** The models of a catalogue answer ({@code {"data":[{"id":…}, …]}}). */
	static Map<String, ModelCapabilities> parse(byte[] body) {
		JsonNode answer;
		try {
			answer = Json.MAPPER.readTree(body);
		}
		catch (RuntimeException ex) {
			throw new CatalogueException("not JSON");
		}
		JsonNode data = answer.path("data");
		if (!data.isArray()) {
			throw new CatalogueException("no 'data' list");
		}
		Map<String, ModelCapabilities> models = new LinkedHashMap<>();
		for (JsonNode model : data) {
			if (!model.isObject()) {
				continue;
			}
			@SuppressWarnings("unchecked")
			Map<String, Object> entry = Json.MAPPER.convertValue(model, Map.class);
			ModelCapabilities capabilities = ModelCapabilities.fromCatalogue(model, entry);
			if (capabilities != null) {
				models.putIfAbsent(capabilities.id(), capabilities);
			}
		}
		return Collections.unmodifiableMap(models);
	}

	private void warn(RouteSettings.Catalogue catalogue, Throwable error) {
		long now = System.nanoTime();
		long last = lastWarning.get();
		if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
			log.warn("Model catalogue {} could not be read ({}); the route's declared models serve until it can (at"
					+ " most one such warning a minute, all counted in kimicode2api_catalogue_fetches_total)",
					catalogue.url(), reason(error));
		}
	}

	private static String reason(Throwable error) {
		Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
				? error.getCause() : error;
		return cause instanceof CatalogueException ? "the answer: " + cause.getMessage()
				: cause instanceof java.util.concurrent.TimeoutException ? "no answer within its timeout"
						: "the connection failed: " + cause.getMessage();
	}

	/** A catalogue answer that cannot be used; its message never holds the answer's body. */
	static final class CatalogueException extends RuntimeException {

		CatalogueException(String message) {
			super(message, null, false, false);
		}

	}

}
