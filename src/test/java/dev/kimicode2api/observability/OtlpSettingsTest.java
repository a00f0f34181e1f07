package dev.kimicode2api.observability;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Which settings switch traces and metrics over OTLP on, read as the application starts. */
class OtlpSettingsTest {

	static MockEnvironment environment(Map<String, String> properties) {
		MockEnvironment environment = new MockEnvironment();
		properties.forEach(environment::setProperty);
		return environment;
	}

	@Test
	void tracingIsOffWithoutAnEndpoint() {
		assertThat(OtlpTraceSettings.of(environment(Map.of())).enabled()).isFalse();
	}

	@Test
	void theStandardVariableGetsTheTracesPathAndBootsPropertyWins() {
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))
			.endpoint()).isEqualTo("http://collector:4318/v1/traces");
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom")))
			.endpoint()).isEqualTo("http://traces:4318/custom");
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
				OtlpTraceSettings.BOOT_ENDPOINT, "http://boot:4318/v1/traces")))
			.endpoint()).isEqualTo("http://boot:4318/v1/traces");
	}

	@Test
	void tracingCanBeSwitchedOffAndHeadersAreRead() {
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
				"management.tracing.export.enabled", "false"))).enabled()).isFalse();
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
				"OTEL_TRACES_EXPORTER", "none"))).enabled()).isFalse();
		assertThat(OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
				"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc,x-tenant=t1"))).headers())
			.containsEntry("authorization", "Bearer abc")
			.containsEntry("x-tenant", "t1");
	}

	@Test
	void aWrongEndpointOrGrpcStopsTheStartNamingTheSetting() {
		assertThatIllegalStateException()
			.isThrownBy(() -> OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"))))
			.withMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT 'collector:4318' is not an http(s) URL");
		assertThatIllegalStateException()
			.isThrownBy(() -> OtlpTraceSettings.of(environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
					"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))))
			.withMessageContaining("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported");
		assertThatIllegalStateException()
			.isThrownBy(() -> OtlpTraceSettings.of(environment(Map.of(OtlpTraceSettings.BOOT_ENDPOINT, "http://c:4317",
					"management.opentelemetry.tracing.export.otlp.transport", "grpc"))))
			.withMessageContaining("transport=grpc is not supported");
	}

	@Test
	void metricsOverOtlpOnlyWithAnEndpointAndAnExplicitSwitchWins() {
		MockEnvironment none = environment(Map.of());
		postProcess(none);
		assertThat(none.getProperty(OtlpMetricsEnvironmentPostProcessor.ENABLED)).isEqualTo("false");

		MockEnvironment standard = environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));
		postProcess(standard);
		assertThat(standard.getProperty(OtlpMetricsEnvironmentPostProcessor.ENABLED)).isEqualTo("true");
		assertThat(standard.getProperty(OtlpMetricsEnvironmentPostProcessor.URL))
			.isEqualTo("http://collector:4318/v1/metrics");

		MockEnvironment metricsOnly = environment(Map.of("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4318/x"));
		postProcess(metricsOnly);
		assertThat(metricsOnly.getProperty(OtlpMetricsEnvironmentPostProcessor.URL)).isEqualTo("http://m:4318/x");

		MockEnvironment explicit = environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
				OtlpMetricsEnvironmentPostProcessor.ENABLED, "false"));
		postProcess(explicit);
		assertThat(explicit.getProperty(OtlpMetricsEnvironmentPostProcessor.ENABLED)).isEqualTo("false");
	}

	private static void postProcess(MockEnvironment environment) {
		new OtlpMetricsEnvironmentPostProcessor(new DeferredLogs()).postProcessEnvironment(environment,
				new SpringApplication());
	}

}
