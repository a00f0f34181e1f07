package dev.kimicode2api.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The store in Redis, shared by every replica, through Spring Data Redis reactive (Lettuce): keys carry their TTL in
 * Redis. Lettuce opens its shared connection with a blocking call the first time it is asked for it, which must never
 * happen on an event loop: it is opened here in the background at start-up (retried until Redis answers), and until
 * then every operation fails at once, so requests go on without the store instead of waiting.
 */
final class RedisStoreBackend implements StoreBackend {

	private static final Logger log = LoggerFactory.getLogger(RedisStoreBackend.class);

	private static final Duration RECONNECT = Duration.ofSeconds(5);

	private final ReactiveRedisConnectionFactory factory;

	private final ReactiveStringRedisTemplate redis;

	private final CountDownLatch connected = new CountDownLatch(1);

	private final CountDownLatch firstAttempt = new CountDownLatch(1);

	/** A plain thread: Lettuce's first connect blocks, which Reactor refuses on its own non-blocking threads. */
	private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(task -> {
		Thread thread = new Thread(task, "kimicode2api-redis-connect");
		thread.setDaemon(true);
		return thread;
	});

	RedisStoreBackend(ReactiveRedisConnectionFactory factory) {
		this.factory = factory;
		this.redis = new ReactiveStringRedisTemplate(factory);
	}

	/** Starts opening the connection in the background; waits for the first attempt at most {@code wait}. */
	void connect(Duration wait) throws InterruptedException {
		connector.execute(this::tryConnect);
		firstAttempt.await(wait.toMillis(), TimeUnit.MILLISECONDS);
		if (connected.getCount() > 0) {
			log.warn("Redis is not reachable yet: the agent store is off until it is (retried every {} s)",
					RECONNECT.toSeconds());
		}
	}

	private void tryConnect() {
		try {
			factory.getReactiveConnection().close();
			connected.countDown();
			log.info("Agent store connected to Redis");
		}
		catch (RuntimeException ex) {
			log.debug("Redis connection failed, retrying in {} s: {}", RECONNECT.toSeconds(), ex.toString());
			connector.schedule(this::tryConnect, RECONNECT.toMillis(), TimeUnit.MILLISECONDS);
		}
		finally {
			firstAttempt.countDown();
		}
	}

	private <T> Mono<T> whenConnected(Mono<T> operation) {
		return connected.getCount() == 0 ? operation
				: Mono.error(new IllegalStateException("not connected to Redis yet"));
	}

	@Override
	public Mono<Void> put(Map<String, String> entries, Duration ttl) {
		return whenConnected(Flux.fromIterable(entries.entrySet())
			.flatMap(entry -> redis.opsForValue().set(entry.getKey(), entry.getValue(), ttl))
			.then());
	}

	@Override
	public Mono<Map<String, String>> get(Collection<String> keys) {
		List<String> ordered = new ArrayList<>(keys);
		return whenConnected(redis.opsForValue().multiGet(ordered).map(values -> {
			Map<String, String> found = new LinkedHashMap<>();
			for (int i = 0; i < ordered.size(); i++) {
				if (values.get(i) != null) {
					found.put(ordered.get(i), values.get(i));
				}
			}
			return found;
		}));
	}

	@Override
	public Mono<Boolean> delete(String key) {
		return whenConnected(redis.delete(key).map(count -> count > 0));
	}

	@Override
	public String describe() {
		return "redis";
	}

	void close() {
		connector.shutdownNow();
	}

}
