package dev.kimicode2api.quota;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Kimi's quota, under {@code kimicode.quota.*}.
 *
 * @param poll the optional poller of {@code GET <base>/v1/usages} for a key the gateway holds
 */
@Validated
@ConfigurationProperties("kimicode.quota")
public record QuotaProperties(@Valid @DefaultValue Poll poll) {

	/**
	 * @param enabled whether to poll (off by default: it needs a key the gateway holds)
	 * @param interval time between two polls (at least 10 s; Kimi's windows are hours and days)
	 * @param route the route whose upstream, User-Agent and key are used: its {@code uri} plus {@code /v1/usages}
	 * @param key the key to poll with, when the route does not set one itself (a
	 * {@code SetRequestHeader=Authorization, Bearer ...} filter); never logged
	 * @param warnAt used share (0 to 1) of a window at which one WARN is logged, again only after the window reset
	 * @param timeout longest wait for one poll's answer
	 */
	public record Poll(@DefaultValue("false") boolean enabled, @NotNull @DefaultValue("5m") Duration interval,
			@NotBlank @DefaultValue("kimi-usages") String route, @Nullable String key,
			@DecimalMin("0") @DecimalMax("1") @DefaultValue("0.8") double warnAt,
			@NotNull @DefaultValue("30s") Duration timeout) {
	}

}
