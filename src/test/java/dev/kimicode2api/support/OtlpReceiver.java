package dev.kimicode2api.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * An OpenTelemetry collector's OTLP/HTTP receiver, as far as the tests need one: a real HTTP server that accepts
 * {@code POST /v1/traces} and {@code /v1/metrics} ({@code application/x-protobuf}) and decodes them with the
 * OpenTelemetry protobuf classes.
 */
public final class OtlpReceiver implements AutoCloseable {

	private final HttpServer server;

	private final List<Span> spans = new CopyOnWriteArrayList<>();

	private final List<Metric> metrics = new CopyOnWriteArrayList<>();

	private final List<String> contentTypes = new CopyOnWriteArrayList<>();

	public OtlpReceiver() {
		try {
			server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		server.createContext("/v1/traces", exchange -> receive(exchange, true));
		server.createContext("/v1/metrics", exchange -> receive(exchange, false));
		server.start();
	}

	private void receive(HttpExchange exchange, boolean traces) throws IOException {
		try (InputStream body = exchange.getRequestBody()) {
			byte[] bytes = body.readAllBytes();
			contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
			if (traces) {
				ExportTraceServiceRequest.parseFrom(bytes)
					.getResourceSpansList()
					.forEach(resource -> resource.getScopeSpansList().forEach(scope -> spans.addAll(scope.getSpansList())));
			}
			else {
				ExportMetricsServiceRequest.parseFrom(bytes)
					.getResourceMetricsList()
					.forEach(resource -> resource.getScopeMetricsList()
						.forEach(scope -> metrics.addAll(scope.getMetricsList())));
			}
			byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
			exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
			exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
			exchange.getResponseBody().write(answer);
		}
		finally {
			exchange.close();
		}
	}

	/** Base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} takes it. */
	public String baseUrl() {
		return "http://127.0.0.1:" + server.getAddress().getPort();
	}

	public List<String> contentTypes() {
		return contentTypes;
	}

	/** Waits for the first span that matches (the exporter sends in batches). */
	public Span awaitSpan(Predicate<Span> match, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			for (Span span : spans) {
				if (match.test(span)) {
					return span;
				}
			}
			Thread.sleep(20);
		}
		throw new AssertionError("no matching span within " + timeout + "; received: " + names(spans));
	}

	public List<Span> spans() {
		return new ArrayList<>(spans);
	}

	/** Waits for a metric of that name. */
	public Metric awaitMetric(String name, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			for (Metric metric : metrics) {
				if (metric.getName().equals(name)) {
					return metric;
				}
			}
			Thread.sleep(50);
		}
		throw new AssertionError("no metric " + name + " within " + timeout);
	}

	private static List<String> names(List<Span> spans) {
		return spans.stream().map(Span::getName).toList();
	}

	/** The value of a span attribute, or {@code null}. */
	public static AnyValue attribute(Span span, String key) {
		for (KeyValue attribute : span.getAttributesList()) {
			if (attribute.getKey().equals(key)) {
				return attribute.getValue();
			}
		}
		return null;
	}

	public static boolean has(Span span, String key, String value) {
		AnyValue attribute = attribute(span, key);
		return attribute != null && attribute.getStringValue().equals(value);
	}

	@Override
	public void close() {
		server.stop(0);
	}

}
