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
import dev.kimicode2api.web.RequestRecord;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Counts tokens per model from the upstream's {@code usage} (the body of a plain response, the final usage chunk of a
 * stream) and times a stream's first byte. Each buffer is read where it passes, never held or delayed.
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
		ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {

			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				UsageScanner scanner = new UsageScanner(false);
				return super.writeWith(Flux.from(body).doOnNext(buffer -> scan(scanner, buffer))
					.doOnComplete(() -> done(scanner)));
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				boolean stream = MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType());
				UsageScanner scanner = new UsageScanner(stream);
				return super.writeAndFlushWith(Flux.from(body)
					.map(events -> Flux.from(events).doOnNext(buffer -> {
						if (scanner.bytes() == 0 && stream) {
							RequestRecord record = RequestRecord.of(exchange);
							Duration firstByte = Duration.ofNanos(System.nanoTime() - record.startNanos());
							record.firstByteMillis(firstByte.toMillis());
							metrics.firstByte(route.getId(), record.model(), firstByte);
						}
						scan(scanner, buffer);
					}))
					.doOnComplete(() -> done(scanner)));
			}

			private void scan(UsageScanner scanner, DataBuffer buffer) {
				scanner.accept(buffer);
				RequestRecord.of(exchange).responseBytes(scanner.bytes());
			}

			private void done(UsageScanner scanner) {
				Usage usage = scanner.finish();
				if (usage != null && getStatusCode() != null && getStatusCode().is2xxSuccessful()) {
					RequestRecord record = RequestRecord.of(exchange);
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
