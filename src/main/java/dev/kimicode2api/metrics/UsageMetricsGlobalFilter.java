package dev.kimicode2api.metrics;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.Usage;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Counts the bytes sent, times a stream's first byte, and counts tokens per model from the upstream's {@code usage}
 * (the body of a plain response, the final usage chunk of a stream). Each buffer is read where it passes, never held
 * or delayed. Usage is only looked for where tokens can be: a successful JSON or SSE answer to a POST on a route that
 * serves models; it is counted when the answer ends, also when the client leaves right after it (Codex does, once it
 * has {@code response.completed}). Where a filter already reads the answer (the Responses bridge), it records the
 * usage and nothing is scanned twice. For a request a trace records, the scan also notes the answer's model and finish
 * reasons for the span.
 */
@Component
public class UsageMetricsGlobalFilter implements GlobalFilter, Ordered {

	private final GatewayMetrics metrics;

	private final RouteSettingsRegistry routes;

	public UsageMetricsGlobalFilter(GatewayMetrics metrics, RouteSettingsRegistry routes) {
		this.metrics = metrics;
		this.routes = routes;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null) {
			return chain.filter(exchange);
		}
		boolean reportsUsage = exchange.getRequest().getMethod() == HttpMethod.POST && routes.forRoute(route).hasModels();
		RequestContext record = RequestContext.of(exchange);
		ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {

			private long bytes;

			private boolean counted;

			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				UsageScanner scanner = scanner(MediaType.APPLICATION_JSON, false);
				return super.writeWith(Flux.from(body)
					.doOnNext(buffer -> sent(scanner, buffer))
					.doOnComplete(() -> done(scanner))
					.doOnCancel(() -> done(scanner)));
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				boolean stream = MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType());
				UsageScanner scanner = scanner(MediaType.TEXT_EVENT_STREAM, true);
				return super.writeAndFlushWith(Flux.from(body)
					.map(events -> Flux.from(events).doOnNext(buffer -> {
						if (bytes == 0 && stream) {
							Duration firstByte = Duration.ofNanos(System.nanoTime() - record.startNanos());
							record.firstByteNanos(firstByte.toNanos());
							metrics.firstByte(route.getId(), record.model(), firstByte);
						}
						sent(scanner, buffer);
					}))
					.doOnComplete(() -> done(scanner))
					.doOnCancel(() -> done(scanner)));
			}

			/** A scanner when this answer can carry usage, else {@code null}: nothing to read then. */
			private @Nullable UsageScanner scanner(MediaType type, boolean stream) {
				HttpStatusCode status = getStatusCode();
				return reportsUsage && !record.usageFromFilter() && (status == null || status.is2xxSuccessful())
						&& type.isCompatibleWith(getHeaders().getContentType()) ? new UsageScanner(stream, record.traced()) : null;
			}

			private void sent(@Nullable UsageScanner scanner, DataBuffer buffer) {
				bytes += buffer.readableByteCount();
				record.responseBytes(bytes);
				if (scanner != null) {
					scanner.accept(buffer);
				}
			}

			private void done(@Nullable UsageScanner scanner) {
				if (counted) {
					return;
				}
				counted = true;
				Usage usage = scanner != null ? scanner.finish() : record.usageFromFilter() ? record.usage() : null;
				if (scanner != null && record.traced()) {
					record.responseModel(scanner.model());
					record.finishReasons(scanner.finishReasons());
				}
				if (usage != null) {
					record.usage(usage);
					metrics.tokens(route.getId(), record.model(), usage);
				}
			}
		};
		return chain.filter(exchange.mutate().response(response).build());
	}

	@Override
	public int getOrder() {
		return FilterOrder.USAGE_METRICS;
	}

	@Override
	public String toString() {
		return "UsageMetricsGlobalFilter[kimicode2api.tokens, kimicode2api.stream.first.byte]";
	}

}
