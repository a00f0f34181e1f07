package dev.kimicode2api.store;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The state agent clients leave between turns (remembered reasoning, stored responses), in memory or in Redis, always
 * scoped to the credential that produced it. The store is never on the critical path of a request for longer than
 * {@code kimicode.store.timeout}: a slow or failed store answers "nothing found" (and a write is dropped), with a
 * WARN at most once a minute and {@code kimicode2api_store_errors_total}.
 */
public class AgentStore {

	private static final Logger log = LoggerFactory.getLogger(AgentStore.class);

	private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	private final StoreBackend backend;

	private final String prefix;

	private final Duration timeout;

	private final Map<String, Counter> errors = new LinkedHashMap<>();

	private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

	AgentStore(StoreBackend backend, StoreProperties properties, MeterRegistry meters) {
		this.backend = backend;
		this.prefix = properties.keyPrefix();
		this.timeout = properties.timeout();
		for (String operation : List.of("get", "put", "delete")) {
			errors.put(operation, Counter.builder("kimicode2api.store.errors")
				.description("Agent store operations that failed or timed out (the request went on without them)")
				.tag("operation", operation)
				.register(meters));
		}
	}

	/** Stores each id's value for {@code owner} under {@code kind}; completes when stored (or given up). */
	public Mono<Void> put(Credential owner, String kind, Map<String, String> values, Duration ttl) {
		if (values.isEmpty()) {
			return Mono.empty();
		}
		Map<String, String> entries = new LinkedHashMap<>();
		values.forEach((id, value) -> entries.put(key(owner, kind, id), value));
		return guard("put", backend.put(entries, ttl), null);
	}

	/** The values stored for {@code owner} under those ids, by id; the ones not found are absent. */
	public Mono<Map<String, String>> get(Credential owner, String kind, Collection<String> ids) {
		if (ids.isEmpty()) {
			return Mono.just(Map.of());
		}
		Map<String, String> idsByKey = new LinkedHashMap<>();
		ids.forEach(id -> idsByKey.put(key(owner, kind, id), id));
		return guard("get", backend.get(idsByKey.keySet()).map(found -> {
			Map<String, String> byId = new LinkedHashMap<>();
			found.forEach((key, value) -> byId.put(idsByKey.get(key), value));
			return byId;
		}), Map.of());
	}

	public Mono<Optional<String>> get(Credential owner, String kind, String id) {
		return get(owner, kind, List.of(id)).map(found -> Optional.ofNullable(found.get(id)));
	}

	public Mono<Boolean> delete(Credential owner, String kind, String id) {
		return guard("delete", backend.delete(key(owner, kind, id)), false);
	}

	/** Opens the backend's connection (Redis), waiting for it at most {@code wait}; memory has nothing to open. */
	void connect(Duration wait) {
		if (backend instanceof RedisStoreBackend redis) {
			try {
				redis.connect(wait);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	void close() {
		if (backend instanceof RedisStoreBackend redis) {
			redis.close();
		}
	}

	private String key(Credential owner, String kind, String id) {
		return prefix + kind + ":" + owner.hash() + ":" + id;
	}

	private <T> Mono<T> guard(String operation, Mono<T> call, T fallback) {
		Mono<T> guarded = (backend.completesAtOnce() ? call : call.timeout(timeout)).onErrorResume(error -> {
			failed(operation, error);
			return fallback == null ? Mono.empty() : Mono.just(fallback);
		});
		return fallback == null ? guarded : guarded.defaultIfEmpty(fallback);
	}

	private void failed(String operation, Throwable error) {
		errors.get(operation).increment();
		long now = System.nanoTime();
		long last = lastWarning.get();
		if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
			log.warn("Agent store ({}) {} failed: {}; requests go on without it (at most one such warning a minute,"
					+ " all counted in kimicode2api_store_errors_total)", backend.describe(), operation,
					error instanceof java.util.concurrent.TimeoutException ? "no answer within kimicode.store.timeout "
							+ timeout.toMillis() + " ms" : error.getClass().getSimpleName() + ": " + error.getMessage());
		}
	}

}
