package dev.kimicode2api.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.LogSafe;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.Usage;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * One access line and one {@code kimicode2api.requests} sample per request, when it is over (errors included):
 * method, path, route, model, stream, status, bytes, duration, time to first byte, tokens, repairs. Built from names the
 * gateway chose and never from headers or bodies, so no Authorization value, key or prompt can reach the log.
 * With {@code kimicode.access-log.format=json} the same fields are one JSON object (null where unknown). What the
 * client chose (method, path, model) goes through {@link LogSafe}: escaped in the text line, bounded in both, and the
 * JSON line is ASCII only, so no value can start a line of its own.
 */
@Component
@Order(FilterOrder.ACCESS_LOG)
public class AccessLogWebFilter implements WebFilter {

	private static final Logger log = LoggerFactory.getLogger("kimicode2api.access");

	private final GatewayMetrics metrics;

	private final boolean json;

	public AccessLogWebFilter(GatewayMetrics metrics, AccessLogProperties properties) {
		this.metrics = metrics;
		this.json = properties.format() == AccessLogProperties.Format.JSON;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		RequestContext record = RequestContext.start(exchange);
		return chain.filter(exchange).doFinally(signal -> {
			Duration duration = Duration.ofNanos(System.nanoTime() - record.startNanos());
			HttpStatusCode statusCode = exchange.getResponse().getStatusCode();
			int status = signal == SignalType.CANCEL ? 499 : statusCode == null ? 200 : statusCode.value();
			Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
			String routeId = route == null ? "local" : route.getId();
			String model = record.model();
			boolean stream = record.stream();
			if (route != null) {
				metrics.request(routeId, model, status, stream, duration);
			}
			if (log.isInfoEnabled()) {
				Usage usage = record.usage();
				long bytes = record.responseBytes();
				Long ttfb = record.firstByteMillis();
				String method = exchange.getRequest().getMethod().name();
				String path = exchange.getRequest().getPath().value();
				Map<String, Integer> repairs = record.repairs();
				if (json) {
					Map<String, Object> line = new LinkedHashMap<>();
					line.put("method", LogSafe.bounded(method));
					line.put("path", LogSafe.bounded(path));
					line.put("route", routeId);
					line.put("model", LogSafe.bounded(model));
					line.put("stream", stream);
					line.put("status", status);
					line.put("bytes", bytes);
					line.put("duration_ms", duration.toMillis());
					line.put("ttfb_ms", ttfb);
					line.put("prompt_tokens", usage == null ? null : usage.prompt());
					line.put("completion_tokens", usage == null ? null : usage.completion());
					line.put("total_tokens", usage == null ? null : usage.total());
					line.put("repairs", repairs);
					log.info("{}", Json.ASCII.writeValueAsString(line));
				}
				else {
					log.info("{} {} route={} model={} stream={} status={} bytes={} duration_ms={} ttfb_ms={} tokens={}"
							+ " repairs={}", LogSafe.text(method), LogSafe.text(path), routeId, LogSafe.text(model), stream,
							status, bytes,
							duration.toMillis(), ttfb == null ? "-" : ttfb,
							usage == null ? "-" : usage.prompt() + "/" + usage.completion() + "/" + usage.total(),
							repairs == null ? "-" : repairsText(repairs));
				}
			}
		});
	}

	/** {@code schema_type:2,reasoning_remembered:1}: kinds are the gateway's own words, counts are numbers. */
	private static String repairsText(Map<String, Integer> repairs) {
		StringBuilder text = new StringBuilder();
		repairs.forEach((kind, count) -> text.append(text.isEmpty() ? "" : ",").append(kind).append(':').append(count));
		return text.toString();
	}

}
