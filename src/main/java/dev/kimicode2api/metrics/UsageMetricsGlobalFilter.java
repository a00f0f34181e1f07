package dev.kimicode2api.metrics;

import java.time.Duration;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.Usage;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Counts the bytes sent to the client, times a stream's first byte, and counts tokens per model from the usage the
 * answer's first reader put in the request's context ({@code AnswerReaderGlobalFilter}): the outermost reader of the
 * answer, it sees what the client receives. Each buffer is counted where it passes, never held or delayed; the tokens
 * when the answer ends, also when the client leaves right after it (Codex does, once it has
 * {@code response.completed}).
 */
@Component
public class UsageMetricsGlobalFilter implements GlobalFilter, Ordered {

	private final GatewayMetrics metrics;

	public UsageMetricsGlobalFilter(GatewayMetrics metrics) {
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null) {
			return chain.filter(exchange);
		}
		RequestContext context = RequestContext.of(exchange);
		ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {

			private long bytes;

			private boolean counted;

			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				return super.writeWith(Flux.from(body)
					.doOnNext(this::sent)
					.doOnComplete(this::done)
					.doOnCancel(this::done));
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				boolean stream = MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType());
				return super.writeAndFlushWith(Flux.from(body)
					.map(events -> Flux.from(events).doOnNext(buffer -> {
						if (bytes == 0 && stream) {
							Duration firstByte = Duration.ofNanos(System.nanoTime() - context.startNanos());
							context.firstByteNanos(firstByte.toNanos());
							metrics.firstByte(route.getId(), context.model(), firstByte);
						}
						sent(buffer);
					}))
					.doOnComplete(this::done)
					.doOnCancel(this::done));
			}

			private void sent(DataBuffer buffer) {
				bytes += buffer.readableByteCount();
				context.responseBytes(bytes);
			}

			/** The tokens, once per answer: the usage the answer's first reader found, if any. */
			private void done() {
				if (counted) {
					return;
				}
				counted = true;
				Usage usage = context.usage();
				if (usage != null) {
					metrics.tokens(route.getId(), context.model(), usage);
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
