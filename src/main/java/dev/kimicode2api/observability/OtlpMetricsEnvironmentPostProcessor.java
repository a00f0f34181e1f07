package dev.kimicode2api.observability;

import java.util.HashMap;
import java.util.Map;

import org.apache.commons.logging.Log;

import org.springframework.aot.AotDetector;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Metrics over OTLP only when an endpoint is configured: {@code management.otlp.metrics.export.url},
 * {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_ENDPOINT} (Micrometer's OTLP registry reads
 * the two variables itself). Spring Boot would otherwise push every meter to {@code localhost:4318} each minute, and
 * record every meter twice on the request path. An explicit {@code management.otlp.metrics.export.enabled} wins.
 * The OTLP registry is a bean that exists or not: in Spring AOT mode (the image) that was decided at build time, so
 * there it needs the normal mode ({@code JDK_JAVA_OPTIONS=}); a WARN says so.
 */
public class OtlpMetricsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String ENABLED = "management.otlp.metrics.export.enabled";

	static final String URL = "management.otlp.metrics.export.url";

	private final Log log;

	public OtlpMetricsEnvironmentPostProcessor(DeferredLogFactory logs) {
		this.log = logs.getLog(OtlpMetricsEnvironmentPostProcessor.class);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.containsProperty(ENABLED)) {
			return; // as the operator said (the registry then reads the OTEL_* variables itself)
		}
		String endpoint = null;
		for (String name : new String[] { "management.otlp.metrics.export.url", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
				"OTEL_EXPORTER_OTLP_ENDPOINT" }) {
			String value = environment.getProperty(name);
			if (endpoint == null && value != null && !value.isBlank()) {
				endpoint = name;
			}
		}
		boolean enabled = endpoint != null && !"none".equalsIgnoreCase(environment.getProperty("OTEL_METRICS_EXPORTER"))
				&& !"true".equalsIgnoreCase(environment.getProperty("OTEL_SDK_DISABLED"));
		Map<String, Object> settings = new HashMap<>();
		settings.put(ENABLED, String.valueOf(enabled));
		if ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT".equals(endpoint)) {
			settings.put(URL, environment.getProperty(endpoint).strip()); // also when given as a property, not a variable
		}
		else if ("OTEL_EXPORTER_OTLP_ENDPOINT".equals(endpoint)) {
			String base = environment.getProperty(endpoint).strip();
			settings.put(URL, (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/metrics");
		}
		environment.getPropertySources().addLast(new MapPropertySource("kimicode2api-otlp-metrics", settings));
		if (enabled && AotDetector.useGeneratedArtifacts()) {
			log.warn(endpoint + " is set, but metrics over OTLP need the normal mode (JDK_JAVA_OPTIONS= on the image):"
					+ " in Spring AOT mode they stay at /actuator/prometheus only. Traces are exported in both modes.");
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
