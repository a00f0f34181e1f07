package dev.kimicode2api;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's own settings under {@code kimicode.*}; per-route settings live in each route's metadata.
 */
@Validated
@ConfigurationProperties("kimicode")
public record KimicodeProperties(@NotNull @DefaultValue("32MB") DataSize maxRequestSize, @Valid @DefaultValue Cors cors,
		@Valid @DefaultValue Upstream upstream) {

	/**
	 * @param idleTimeout longest silence between two reads of an upstream response once its headers arrived (a
	 * stream whose upstream goes quiet this long is ended with an error event)
	 */
	public record Upstream(@NotNull @DefaultValue("120s") Duration idleTimeout) {
	}


	/** CORS for browser chat UIs: any origin by default, never credentials (the API key is a header, not a cookie). */
	public record Cors(@NotEmpty @DefaultValue("*") List<String> allowedOrigins,
			@NotEmpty @DefaultValue("*") List<String> allowedHeaders,
			@DefaultValue({ "Retry-After", "X-Request-Id" }) List<String> exposedHeaders,
			@DefaultValue("3600") long maxAgeSeconds) {
	}

}
