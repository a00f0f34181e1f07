package dev.kimicode2api.store;

import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Picks the store at run time (so the Docker image's AOT mode picks it too): Redis when Spring Boot's Redis
 * connection is configured ({@code SPRING_DATA_REDIS_URL}, or its host, sentinel or cluster settings), memory
 * otherwise; {@code kimicode.store.type} forces one.
 */
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

	private static final Logger log = LoggerFactory.getLogger(StoreConfiguration.class);

	private static final String[] REDIS_SETTINGS = { "spring.data.redis.url", "spring.data.redis.host",
			"spring.data.redis.sentinel.master", "spring.data.redis.cluster.nodes" };

	@Bean(destroyMethod = "close")
	AgentStore agentStore(StoreProperties properties, Environment environment,
			ObjectProvider<ReactiveRedisConnectionFactory> redis, MeterRegistry meters) {
		boolean useRedis = switch (properties.type()) {
			case MEMORY -> false;
			case REDIS -> true;
			case AUTO -> java.util.Arrays.stream(REDIS_SETTINGS)
				.anyMatch(key -> environment.getProperty(key, "").strip().length() > 0);
		};
		StoreBackend backend;
		if (useRedis) {
			ReactiveRedisConnectionFactory factory = redis.getIfAvailable();
			if (factory == null) {
				throw new IllegalStateException("kimicode.store.type=redis needs Spring Boot's Redis connection: set"
						+ " SPRING_DATA_REDIS_URL (spring.data.redis.url)");
			}
			backend = new RedisStoreBackend(factory);
		}
		else {
			MemoryStoreBackend memory = new MemoryStoreBackend(properties.memory());
			meters.gauge("kimicode2api.store.entries", memory, MemoryStoreBackend::size);
			backend = memory;
		}
		log.info("Agent store: {} (reasoning kept {}, responses kept {})", backend.describe(),
				properties.reasoningTtl(), properties.responseTtl());
		return new AgentStore(backend, properties, meters);
	}

	/**
	 * Opens the Redis connection once the application has started and before it reports ready, waiting for it at most
	 * {@code kimicode.store.startup-wait}: readiness never depends on Redis.
	 */
	@Bean
	ApplicationListener<ApplicationStartedEvent> agentStoreConnection(AgentStore store, StoreProperties properties) {
		return event -> store.connect(properties.startupWait());
	}

	/** While Lettuce is disconnected it refuses commands at once instead of queueing them until Redis is back. */
	@Bean
	LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
		return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
	}

}
