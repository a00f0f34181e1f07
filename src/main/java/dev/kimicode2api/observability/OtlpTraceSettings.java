package dev.kimicode2api.observability;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.core.env.Environment;

/**
 * Where spans go, read when the application starts (also in Spring AOT mode, where which beans exist was fixed at
 * build time): Spring Boot's {@code management.opentelemetry.tracing.export.otlp.endpoint}, else the standard
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (as it is), else {@code OTEL_EXPORTER_OTLP_ENDPOINT} plus
 * {@code /v1/traces}. Without any of them, or with {@code management.tracing.export.enabled=false}
 * (or {@code ...export.otlp.enabled=false}, {@code OTEL_TRACES_EXPORTER=none}, {@code OTEL_SDK_DISABLED=true}), tracing
 * is off: no span is made, no header added. OTLP over HTTP (protobuf) only; a gRPC setting stops the start, naming it.
 *
 * @param endpoint the URL spans are posted to, {@code null} when tracing is off
 * @param source the setting the endpoint came from, for messages
 * @param headers headers sent with every export ({@code OTEL_EXPORTER_OTLP_HEADERS}, {@code ..._TRACES_HEADERS})
 */
public record OtlpTraceSettings(@Nullable String endpoint, String source, Map<String, String> headers) {

	static final String BOOT_ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

	public boolean enabled() {
		return endpoint != null;
	}

	public static OtlpTraceSettings of(Environment environment) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.putAll(headers(environment, "OTEL_EXPORTER_OTLP_HEADERS"));
		headers.putAll(headers(environment, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"));
		if (!environment.getProperty("management.tracing.export.enabled", Boolean.class, true)
				|| !environment.getProperty("management.tracing.export.otlp.enabled", Boolean.class, true)
				|| "none".equalsIgnoreCase(text(environment, "OTEL_TRACES_EXPORTER"))
				|| "true".equalsIgnoreCase(text(environment, "OTEL_SDK_DISABLED"))) {
			return new OtlpTraceSettings(null, "off", headers);
		}
		String source = BOOT_ENDPOINT;
		String endpoint = text(environment, BOOT_ENDPOINT);
		if (endpoint == null) {
			source = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
			endpoint = text(environment, source);
		}
		String given = endpoint;
		if (endpoint == null) {
			source = "OTEL_EXPORTER_OTLP_ENDPOINT";
			given = text(environment, source);
			endpoint = given == null ? null
					: (given.endsWith("/") ? given.substring(0, given.length() - 1) : given) + "/v1/traces";
		}
		if (endpoint == null) {
			return new OtlpTraceSettings(null, "no endpoint", headers);
		}
		URI uri;
		try {
			uri = URI.create(endpoint);
		}
		catch (IllegalArgumentException ex) {
			uri = null;
		}
		if (uri == null || uri.getHost() == null
				|| !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
			throw new IllegalStateException(source + " '" + given + "' is not an http(s) URL such as"
					+ " http://otel-collector:4318" + (source.equals("OTEL_EXPORTER_OTLP_ENDPOINT") ? "" : "/v1/traces"));
		}
		String transport = text(environment, "management.opentelemetry.tracing.export.otlp.transport");
		if (transport != null && !transport.equalsIgnoreCase("http")) {
			throw new IllegalStateException("management.opentelemetry.tracing.export.otlp.transport=" + transport
					+ " is not supported here: the gateway exports OTLP over HTTP (a collector's port 4318)");
		}
		for (String protocol : new String[] { "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" }) {
			String value = text(environment, protocol);
			if (value != null && !value.equalsIgnoreCase("http/protobuf")) {
				throw new IllegalStateException(protocol + "=" + value + " is not supported here: the gateway exports"
						+ " OTLP as http/protobuf (a collector's port 4318)");
			}
		}
		return new OtlpTraceSettings(endpoint, source, headers);
	}

	/** {@code key1=value1,key2=value2}, as the OpenTelemetry environment variables give headers. */
	private static Map<String, String> headers(Environment environment, String name) {
		Map<String, String> headers = new LinkedHashMap<>();
		String list = text(environment, name);
		if (list != null) {
			for (String pair : list.split(",")) {
				int equals = pair.indexOf('=');
				if (equals <= 0) {
					throw new IllegalStateException(name + " must be a list of key=value pairs");
				}
				headers.put(pair.substring(0, equals).strip().toLowerCase(Locale.ROOT),
						java.net.URLDecoder.decode(pair.substring(equals + 1).strip(),
								java.nio.charset.StandardCharsets.UTF_8));
			}
		}
		return headers;
	}

	private static @Nullable String text(Environment environment, String name) {
		String value = environment.getProperty(name);
		return value == null || value.isBlank() ? null : value.strip();
	}

}
