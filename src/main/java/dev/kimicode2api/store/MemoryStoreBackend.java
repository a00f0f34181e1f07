package dev.kimicode2api.store;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import reactor.core.publisher.Mono;

/**
 * The store in this process: a Caffeine cache bounded in bytes and, through a minimum weight per entry, in entries
 * too, with each entry's own TTL. It can never grow without bound; past a bound Caffeine evicts what is least likely
 * to be asked for again (its frequency-based policy).
 */
final class MemoryStoreBackend implements StoreBackend {

	/** A Java string's bytes, roughly: two per char plus the entry's own overhead. */
	private static final int ENTRY_OVERHEAD = 96;

	private record Entry(String value, long ttlNanos) {
	}

	private final Cache<String, Entry> cache;

	private final String description;

	MemoryStoreBackend(StoreProperties.Memory bounds) {
		long maxBytes = bounds.maxSize().toBytes();
		// An entry weighs at least maxBytes / maxEntries, so maxEntries entries fill the weight budget.
		int minWeight = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxBytes / bounds.maxEntries()));
		this.cache = Caffeine.newBuilder()
			.maximumWeight(maxBytes)
			.<String, Entry>weigher((key, entry) -> (int) Math.min(Integer.MAX_VALUE,
					Math.max(minWeight, 2L * (key.length() + entry.value().length()) + ENTRY_OVERHEAD)))
			.expireAfter(Expiry.<String, Entry>writing((key, entry) -> Duration.ofNanos(entry.ttlNanos())))
			// Evictions and expiry run on the calling thread (an event loop): handing them to the common pool woke one
			// of its threads on almost every write, which cost more than the work itself (docs/performance.md).
			.executor(Runnable::run)
			.build();
		this.description = "memory (at most " + bounds.maxEntries() + " entries, " + bounds.maxSize().toMegabytes()
				+ " MB)";
	}

	@Override
	public Mono<Void> put(Map<String, String> entries, Duration ttl) {
		return Mono.fromRunnable(() -> entries.forEach((key, value) -> cache.put(key, new Entry(value, ttl.toNanos()))));
	}

	@Override
	public Mono<Map<String, String>> get(Collection<String> keys) {
		return Mono.fromSupplier(() -> {
			Map<String, String> found = new LinkedHashMap<>();
			cache.getAllPresent(keys).forEach((key, entry) -> found.put(key, entry.value()));
			return found;
		});
	}

	@Override
	public Mono<Boolean> delete(String key) {
		return Mono.fromSupplier(() -> cache.asMap().remove(key) != null);
	}

	@Override
	public boolean completesAtOnce() {
		return true;
	}

	@Override
	public String describe() {
		return description;
	}

	/** For tests and the metrics: entries now held (expired ones may still count until cleaned up). */
	long size() {
		return cache.estimatedSize();
	}

	/** Runs the cache's pending evictions now (Caffeine does them a little later otherwise). */
	void cleanUp() {
		cache.cleanUp();
	}

}
