package dev.kimicode2api.observability;

import java.util.Locale;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Traces on Spring Boot's OpenTelemetry SDK set-up, switched on and off when the application starts rather than by
 * which beans exist, so that the image's Spring AOT mode (beans fixed at build time) can trace too. The beans are
 * always there; without an OTLP endpoint the sampler samples nothing, the exporter is a no-op, and
 * {@link GenAiTracing#enabled()} is false, so no request makes a span or gets a header. Spring Boot's own OTLP span
 * exporter is left out ({@code spring.autoconfigure.exclude} in application.yml): this one replaces it, reading the
 * same {@code management.opentelemetry.tracing.export.otlp.*} settings plus the standard {@code OTEL_EXPORTER_OTLP_*}
 * variables.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OtlpTracingProperties.class)
public class TracingConfiguration {

	private static final Logger log = LoggerFactory.getLogger(TracingConfiguration.class);

	@Bean
	OtlpTraceSettings otlpTraceSettings(Environment environment) {
		OtlpTraceSettings settings = OtlpTraceSettings.of(environment);
		if (settings.enabled()) {
			log.info("Tracing on: spans exported over OTLP/HTTP to {} (from {}), sampling probability {}",
					settings.endpoint(), settings.source(), probability(environment));
		}
		return settings;
	}

	/** Boot's {@code management.tracing.sampling.probability} (0.1 unless set), parent-based: a sampled caller wins. */
	@Bean
	Sampler kimicodeTraceSampler(OtlpTraceSettings settings, Environment environment) {
		return settings.enabled() ? Sampler.parentBased(Sampler.traceIdRatioBased(probability(environment)))
				: Sampler.alwaysOff();
	}

	@Bean
	SpanExporter kimicodeOtlpSpanExporter(OtlpTraceSettings settings, OtlpTracingProperties properties) {
		if (!settings.enabled()) {
			return SpanExporter.composite();
		}
		OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder()
			.setEndpoint(settings.endpoint())
			.setTimeout(properties.getTimeout())
			.setConnectTimeout(properties.getConnectTimeout())
			.setCompression(properties.getCompression().name().toLowerCase(Locale.ROOT));
		settings.headers().forEach(builder::addHeader);
		properties.getHeaders().forEach(builder::addHeader);
		return builder.build();
	}

	@Bean
	GenAiTracing genAiTracing(OtlpTraceSettings settings, ObjectProvider<OpenTelemetry> openTelemetry,
			ObservabilityProperties properties) {
		return settings.enabled() ? new GenAiTracing(openTelemetry.getObject(), properties.captureContent())
				: GenAiTracing.off();
	}

	private static float probability(Environment environment) {
		float probability = environment.getProperty("management.tracing.sampling.probability", Float.class, 0.1f);
		if (!(probability >= 0 && probability <= 1)) {
			throw new IllegalStateException(
					"management.tracing.sampling.probability must be between 0 and 1, not " + probability);
		}
		return probability;
	}

}
