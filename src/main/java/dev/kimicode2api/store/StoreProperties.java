package dev.kimicode2api.store;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where the agent state lives ({@code kimicode.store.*}): remembered reasoning and stored Responses.
 *
 * @param type {@code auto} (Redis when {@code spring.data.redis.url} or {@code .host} is set, else memory),
 * {@code memory} or {@code redis}
 * @param keyPrefix namespace of every key in Redis (several gateways may share one Redis)
 * @param timeout longest wait for the store on a request's path; past it the request goes on without the state
 * @param startupWait longest wait for Redis at start-up before the gateway reports ready without it (connecting goes
 * on in the background)
 * @param reasoningTtl how long remembered reasoning lives
 * @param responseTtl how long a stored response lives (for {@code previous_response_id} and {@code GET})
 */
@Validated
@ConfigurationProperties("kimicode.store")
public record StoreProperties(@NotNull @DefaultValue("auto") Type type,
		@NotBlank @DefaultValue("kimicode2api:") String keyPrefix, @NotNull @DefaultValue("500ms") Duration timeout,
		@NotNull @DefaultValue("5s") Duration startupWait,
		@NotNull @DefaultValue("24h") Duration reasoningTtl, @NotNull @DefaultValue("24h") Duration responseTtl,
		@Valid @DefaultValue Memory memory) {

	public enum Type {

		AUTO, MEMORY, REDIS

	}

	/**
	 * The in-memory store's bounds: past either, Caffeine evicts the entries least likely to be asked for again.
	 *
	 * @param maxEntries most entries kept
	 * @param maxSize most bytes kept (keys and values, as Java strings)
	 */
	public record Memory(@Positive @DefaultValue("100000") long maxEntries,
			@NotNull @DefaultValue("64MB") DataSize maxSize) {
	}

}
