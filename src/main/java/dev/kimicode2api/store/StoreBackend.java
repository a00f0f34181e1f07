package dev.kimicode2api.store;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

import reactor.core.publisher.Mono;

/** Where {@link AgentStore} keeps its entries: memory or Redis. Keys arrive namespaced and scoped. */
interface StoreBackend {

	Mono<Void> put(Map<String, String> entries, Duration ttl);

	/** The values found, by key (missing keys are absent from the map). */
	Mono<Map<String, String>> get(Collection<String> keys);

	/** Whether the key existed. */
	Mono<Boolean> delete(String key);

	/**
	 * Whether every call completes on the caller's thread before it returns: such a backend needs no timeout, whose
	 * arming would schedule (and wake) a timer thread on every call.
	 */
	default boolean completesAtOnce() {
		return false;
	}

	/** For the start-up line and the actuator: "memory (…)", "redis". */
	String describe();

}
