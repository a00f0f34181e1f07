package dev.kimicode2api.quota;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;

/**
 * Kimi's quota as meters: {@code kimicode2api_upstream_quota_exhausted_total{window}} counts the answers in which Kimi
 * said a window is used up (403 "You've reached your usage limit for this billing cycle" is the weekly window,
 * {@code 7d}; 429 "…for this period" the 5-hour one, {@code 5h}), from any route; and, when the poller runs,
 * {@code kimicode2api_quota_used_ratio{window}} and {@code kimicode2api_quota_reset_seconds{window}} per window Kimi
 * reports.
 */
@Component
public class QuotaMetrics {

	private final MeterRegistry registry;

	private final Clock clock;

	private final Map<String, Counter> exhausted = new ConcurrentHashMap<>();

	/** The latest poll's windows; each gauge reads its own entry. */
	private final Map<String, QuotaWindow> windows = new ConcurrentHashMap<>();

	private final Counter pollErrors;

	public QuotaMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.clock = Clock.systemUTC();
		for (String window : new String[] { "5h", "7d" }) {
			exhausted(window);
		}
		this.pollErrors = Counter.builder("kimicode2api.quota.poll.errors")
			.description("Polls of /v1/usages that failed (no answer, an error status, an unreadable body)")
			.register(registry);
	}

	private Counter exhausted(String window) {
		return exhausted.computeIfAbsent(window, name -> Counter.builder("kimicode2api.upstream.quota.exhausted")
			.description("Upstream answers saying a quota window is used up")
			.tag("window", name)
			.register(registry));
	}

	/**
	 * Looks at an upstream error (its status and body, as the error filter read it once) for Kimi's quota answers;
	 * counts one and returns its window, or {@code null}.
	 */
	public @Nullable String upstreamError(HttpStatusCode status, String body) {
		String window = QuotaAnswers.window(status.value(), body);
		if (window != null) {
			exhausted(window).increment();
		}
		return window;
	}

	void pollFailed() {
		pollErrors.increment();
	}

	/** The windows of the latest poll; a window seen before keeps its gauges. */
	void polled(Map<String, QuotaWindow> latest) {
		latest.forEach((name, window) -> {
			if (windows.put(name, window) == null) {
				Gauge.builder("kimicode2api.quota.used.ratio", windows, all -> ratio(all.get(name)))
					.description("Share of the quota window used, from Kimi's /v1/usages (1 = used up)")
					.tag("window", name)
					.register(registry);
				Gauge.builder("kimicode2api.quota.reset.seconds", windows, all -> resetSeconds(all.get(name)))
					.description("Seconds until the quota window resets, from Kimi's /v1/usages")
					.tag("window", name)
					.register(registry);
			}
		});
	}

	private static double ratio(@Nullable QuotaWindow window) {
		return window == null ? Double.NaN : window.usedRatio();
	}

	private double resetSeconds(@Nullable QuotaWindow window) {
		if (window == null || window.resetAt() == null) {
			return Double.NaN;
		}
		return Math.max(0, Duration.between(clock.instant(), window.resetAt()).toMillis() / 1000.0);
	}

}
