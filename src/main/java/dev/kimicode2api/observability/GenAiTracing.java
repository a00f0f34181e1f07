package dev.kimicode2api.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * The tracer of the gateway's spans and the propagator of their context (W3C {@code traceparent} /
 * {@code tracestate} unless {@code management.tracing.propagation.type} says otherwise), both from Spring Boot's
 * OpenTelemetry SDK. {@link #off()} when no OTLP endpoint is configured.
 */
public final class GenAiTracing {

	private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {

		@Override
		public Iterable<String> keys(HttpHeaders carrier) {
			return carrier.headerNames();
		}

		@Override
		public @Nullable String get(@Nullable HttpHeaders carrier, String key) {
			return carrier == null ? null : carrier.getFirst(key);
		}

	};

	private final @Nullable Tracer tracer;

	private final @Nullable TextMapPropagator propagator;

	private final boolean captureContent;

	GenAiTracing(OpenTelemetry openTelemetry, boolean captureContent) {
		this.tracer = openTelemetry.getTracer("dev.kimicode2api");
		this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
		this.captureContent = captureContent;
	}

	private GenAiTracing() {
		this.tracer = null;
		this.propagator = null;
		this.captureContent = false;
	}

	static GenAiTracing off() {
		return new GenAiTracing();
	}

	public boolean enabled() {
		return tracer != null;
	}

	boolean captureContent() {
		return captureContent;
	}

	/** The trace context (and baggage) the client's request carries, if any. */
	Context extract(HttpHeaders clientHeaders) {
		return propagator.extract(Context.root(), clientHeaders, HEADERS);
	}

	/** A client span named {@code name}, child of {@code parent}. */
	SpanBuilder span(String name, Context parent) {
		return tracer.spanBuilder(name).setSpanKind(SpanKind.CLIENT).setParent(parent);
	}

	/** The context (the gateway's span in it) as headers on the request to the upstream, in place of the client's. */
	void inject(Context context, HttpHeaders headers) {
		for (String field : propagator.fields()) {
			headers.remove(field);
		}
		propagator.inject(context, headers, HttpHeaders::set);
	}

}
