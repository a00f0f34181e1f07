package dev.kimicode2api.observability;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.Usage;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CACHED_REQUEST_BODY_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * One GenAI operation per model call through a route that serves models ({@code POST} of a chat completion, an
 * Anthropic message, a Responses request; not {@code count_tokens}): the OpenTelemetry GenAI meters always
 * ({@link GenAiMeters}), and, with tracing on, one client span {@code chat <model>} with the convention's attributes,
 * whose context goes upstream as {@code traceparent} ({@link TraceContextHeadersFilter}). Any other request a route
 * sends upstream ({@code GET /v1/usages}, {@code count_tokens}) gets a plain HTTP client span when tracing is on, and
 * nothing otherwise. Runs after the request body is read, so the model asked, the model sent, the token limit and
 * the repairs are known; the span ends when the answer has been relayed (the usage and finish reasons are noted by its
 * first reader, {@code AnswerReaderGlobalFilter}) or the client left.
 */
@Component
public class GenAiGlobalFilter implements GlobalFilter, Ordered {

	/** The span's context, for the headers of the upstream request. */
	static final String CONTEXT = GenAiGlobalFilter.class.getName() + ".context";

	private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");

	private static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");

	private static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");

	private static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");

	private static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("gen_ai.request.stream");

	private static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");

	private static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey
		.stringArrayKey("gen_ai.response.finish_reasons");

	private static final AttributeKey<Double> TIME_TO_FIRST_CHUNK = AttributeKey
		.doubleKey("gen_ai.response.time_to_first_chunk");

	private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");

	private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");

	private static final AttributeKey<Long> REASONING_TOKENS = AttributeKey
		.longKey("gen_ai.usage.reasoning.output_tokens");

	private static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey
		.longKey("gen_ai.usage.cache_read.input_tokens");

	private static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");

	private static final AttributeKey<String> SYSTEM_INSTRUCTIONS = AttributeKey
		.stringKey("gen_ai.system_instructions");

	private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

	private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");

	private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

	private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

	private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

	private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("kimicode2api.route.id");

	private static final AttributeKey<String> UPSTREAM_MODEL = AttributeKey.stringKey("kimicode2api.upstream.model");

	private static final String REPAIR_PREFIX = "kimicode2api.repairs.";

	/** The route metadata key naming a route's {@code gen_ai.provider.name}. */
	public static final String PROVIDER_METADATA = "gen-ai-provider";

	private final GenAiTracing tracing;

	private final GenAiMeters meters;

	private final GatewayMetrics gatewayMetrics;

	private final RouteSettingsRegistry routes;

	private final String defaultProvider;

	public GenAiGlobalFilter(GenAiTracing tracing, GenAiMeters meters, GatewayMetrics gatewayMetrics,
			RouteSettingsRegistry routes, ObservabilityProperties properties) {
		this.tracing = tracing;
		this.meters = meters;
		this.gatewayMetrics = gatewayMetrics;
		this.routes = routes;
		this.defaultProvider = properties.providerName();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null) {
			return chain.filter(exchange);
		}
		boolean genAi = exchange.getRequest().getMethod() == HttpMethod.POST && routes.forRoute(route).hasModels()
				&& !exchange.getRequest().getPath().value().endsWith("/count_tokens");
		if (!genAi && !tracing.enabled()) {
			return chain.filter(exchange);
		}
		RequestContext record = RequestContext.of(exchange);
		long start = System.nanoTime();
		Span span = tracing.enabled() ? start(exchange, route, record, genAi) : null;
		Throwable[] failure = new Throwable[1];
		return chain.filter(exchange)
			.doOnError(error -> failure[0] = error)
			.doFinally(signal -> end(exchange, route, record, genAi, span, start, signal, failure[0]));
	}

	private Span start(ServerWebExchange exchange, Route route, RequestContext record, boolean genAi) {
		Context parent = tracing.extract(exchange.getRequest().getHeaders());
		URI upstream = route.getUri();
		String model = record.model();
		String method = exchange.getRequest().getMethod().name();
		SpanBuilder builder = tracing.span(genAi ? "chat" + (model == null ? "" : " " + model) : method, parent)
			.setAttribute(SERVER_ADDRESS, String.valueOf(upstream.getHost()))
			.setAttribute(SERVER_PORT, (long) port(upstream))
			.setAttribute(ROUTE, route.getId())
			.setAttribute(METHOD, method);
		if (genAi) {
			builder.setAttribute(OPERATION, "chat").setAttribute(PROVIDER, provider(route)).setAttribute(STREAM,
					record.stream());
			if (model != null) {
				builder.setAttribute(REQUEST_MODEL, model);
			}
			if (record.upstreamModel() != null && !record.upstreamModel().equals(model)) {
				builder.setAttribute(UPSTREAM_MODEL, record.upstreamModel());
			}
			if (record.maxTokens() != null) {
				builder.setAttribute(MAX_TOKENS, record.maxTokens());
			}
		}
		Span span = builder.startSpan();
		if (span.isRecording()) {
			record.traced(genAi);
			if (genAi && tracing.captureContent()) {
				content(exchange, span);
			}
		}
		exchange.getAttributes().put(CONTEXT, parent.with(span));
		return span;
	}

	private void end(ServerWebExchange exchange, Route route, RequestContext record, boolean genAi,
			@Nullable Span span, long start, SignalType signal, @Nullable Throwable failure) {
		long end = System.nanoTime();
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		String errorType = errorType(signal, failure, status, record);
		if (genAi) {
			URI upstream = route.getUri();
			GenAiMeters.Operation operation = new GenAiMeters.Operation("chat", provider(route),
					gatewayMetrics.modelTag(record.model()), String.valueOf(upstream.getHost()), port(upstream),
					errorType == null ? "" : errorType);
			meters.operation(operation, Duration.ofNanos(end - start));
			Usage usage = record.usage();
			if (usage != null) {
				meters.tokens(operation, usage);
			}
			Long firstByte = record.firstByteNanos();
			if (record.stream() && firstByte != null) {
				meters.firstChunk(operation, Duration.ofNanos(Math.max(0, record.startNanos() + firstByte - start)));
			}
		}
		if (span == null) {
			return;
		}
		if (span.isRecording()) {
			if (status != null && failure == null) {
				span.setAttribute(STATUS, (long) status.value());
			}
			if (genAi) {
				details(span, record, start);
			}
			if (errorType != null) {
				span.setAttribute(ERROR_TYPE, errorType);
				span.setStatus(StatusCode.ERROR, failure != null && failure.getMessage() != null ? failure.getMessage()
						: "");
			}
		}
		span.end();
	}

	private static void details(Span span, RequestContext record, long start) {
		if (record.responseModel() != null) {
			span.setAttribute(RESPONSE_MODEL, record.responseModel());
		}
		List<String> reasons = record.finishReasons();
		if (reasons != null && !reasons.isEmpty()) {
			span.setAttribute(FINISH_REASONS, reasons);
		}
		Usage usage = record.usage();
		if (usage != null) {
			span.setAttribute(INPUT_TOKENS, usage.prompt());
			span.setAttribute(OUTPUT_TOKENS, usage.completion());
			if (usage.reasoning() > 0) {
				span.setAttribute(REASONING_TOKENS, usage.reasoning());
			}
			if (usage.cached() > 0) {
				span.setAttribute(CACHE_READ_TOKENS, usage.cached());
			}
		}
		Long firstByte = record.firstByteNanos();
		if (record.stream() && firstByte != null) {
			span.setAttribute(TIME_TO_FIRST_CHUNK, Math.max(0, record.startNanos() + firstByte - start) / 1e9);
		}
		Map<String, Integer> repairs = record.repairs();
		if (repairs != null) {
			repairs.forEach((kind, count) -> span.setAttribute(REPAIR_PREFIX + kind, (long) count));
		}
	}

	/**
	 * The operation's error class, {@code null} when it succeeded: the upstream's (or the gateway's) HTTP status as
	 * text for an error answer, {@code timeout}, the exception's class otherwise, {@code cancelled} when the client
	 * left before the upstream reported its usage.
	 */
	private static @Nullable String errorType(SignalType signal, @Nullable Throwable failure,
			@Nullable HttpStatusCode status, RequestContext record) {
		if (failure != null) {
			if (failure instanceof ResponseStatusException statusException) {
				return String.valueOf(statusException.getStatusCode().value());
			}
			if (failure instanceof java.util.concurrent.TimeoutException
					|| failure instanceof io.netty.handler.timeout.TimeoutException) {
				return "timeout";
			}
			return failure.getClass().getName();
		}
		if (signal == SignalType.CANCEL) {
			return record.usage() == null ? "cancelled" : null;
		}
		return status != null && status.isError() ? String.valueOf(status.value()) : null;
	}

	/** The longest content attribute, in characters (a coding agent's context can be megabytes). */
	static final int MAX_CONTENT = 64 * 1024;

	/**
	 * Opt-in ({@code kimicode.observability.capture-content}): the messages as sent upstream, as JSON text, cut at
	 * {@link #MAX_CONTENT} characters.
	 */
	private static void content(ServerWebExchange exchange, Span span) {
		Object body = exchange.getAttribute(CACHED_REQUEST_BODY_ATTR);
		if (!(body instanceof org.springframework.core.io.buffer.DataBuffer buffer)) {
			return;
		}
		try {
			tools.jackson.databind.JsonNode request = dev.kimicode2api.wire.Json.MAPPER
				.readTree(buffer.toString(buffer.readPosition(), buffer.readableByteCount(),
						java.nio.charset.StandardCharsets.UTF_8));
			if (request.has("messages")) {
				span.setAttribute(INPUT_MESSAGES, cut(request.get("messages").toString()));
			}
			if (request.has("system")) {
				span.setAttribute(SYSTEM_INSTRUCTIONS, cut(request.get("system").toString()));
			}
		}
		catch (tools.jackson.core.JacksonException ex) {
			// not JSON: nothing to record
		}
	}

	private static String cut(String text) {
		return text.length() <= MAX_CONTENT ? text : text.substring(0, MAX_CONTENT);
	}

	private String provider(Route route) {
		Object named = route.getMetadata().get(PROVIDER_METADATA);
		return named instanceof String text && !text.isBlank() ? text : defaultProvider;
	}

	private static int port(URI uri) {
		return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
	}

	@Override
	public int getOrder() {
		return FilterOrder.GEN_AI;
	}

	@Override
	public String toString() {
		return "GenAiGlobalFilter[gen_ai.client.* meters" + (tracing.enabled() ? ", spans over OTLP" : "") + "]";
	}

}
