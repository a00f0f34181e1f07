package dev.kimicode2api.answer;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.handler.timeout.ReadTimeoutException;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.DiscardedBuffers;
import dev.kimicode2api.wire.ErrorDialect;
import dev.kimicode2api.wire.LogSafe;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;

/**
 * When an upstream stream breaks after events were sent (reset, idle timeout), the status line is long gone; the
 * client gets a final SSE error event in the route's dialect ({@code data: {"error":{…,"type":"proxy_error"}}},
 * which OpenAI SDKs raise as an API error; Anthropic's {@code event: error}) and a properly ended response, instead
 * of a hung or truncated connection. When the client is the one that leaves, what the stream's write dropped unwritten
 * is released ({@link DiscardedBuffers}).
 */
@Component
public class StreamTerminationGlobalFilter implements GlobalFilter, Ordered {

	private static final Logger log = LoggerFactory.getLogger(StreamTerminationGlobalFilter.class);

	private final RouteSettingsRegistry registry;

	public StreamTerminationGlobalFilter(RouteSettingsRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ErrorDialect dialect = registry.errorDialect(exchange);
		ServerHttpResponse original = exchange.getResponse();
		Sinks.Empty<Void> ended = Sinks.empty();
		ServerHttpResponse decorated = new ServerHttpResponseDecorator(original) {
			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				return super.writeWith(body).doOnSuccess(done -> endIfUpstreamBroke(exchange, false, ended));
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				// every stream's groups, on every route: what is dropped when the client leaves is released
				Flux<Publisher<? extends DataBuffer>> groups = DiscardedBuffers.serialisedWithCancel(body);
				if (!MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
					return DiscardedBuffers.releasedOnDiscard(super.writeAndFlushWith(groups));
				}
				AtomicBoolean broken = new AtomicBoolean();
				return DiscardedBuffers.releasedOnDiscard(super.writeAndFlushWith(groups.onErrorResume(error -> {
					broken.set(true);
					String message = error instanceof ReadTimeoutException
							? "no data from the upstream within kimicode.upstream.idle-timeout"
							: "the upstream connection was closed (" + error.getClass().getSimpleName() + ")";
					log.warn("Upstream stream on {} ended by the gateway: {}", LogSafe.text(exchange.getRequest().getPath()),
							message);
					byte[] event = dialect.streamError("Upstream stream interrupted: " + message);
					return Mono.just(Mono.fromSupplier(() -> bufferFactory().wrap(event)));
				}))).doOnSuccess(done -> endIfUpstreamBroke(exchange, broken.get(), ended));
			}
		};
		return Mono.firstWithSignal(chain.filter(exchange.mutate().response(decorated).build()), ended.asMono());
	}

	/**
	 * After a body the upstream cut short (an error, or its connection closed instead of ending the response), the
	 * exchange is finished here: the gateway would otherwise wait for trailers that never come, and the client's
	 * keep-alive connection would stall behind it. A healthy upstream connection stays with the gateway's pool.
	 */
	private static void endIfUpstreamBroke(ServerWebExchange exchange, boolean broken, Sinks.Empty<Void> ended) {
		Connection upstream = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
		if (broken || upstream == null || !upstream.channel().isActive()) {
			ended.tryEmitEmpty();
		}
	}

	@Override
	public int getOrder() {
		return FilterOrder.STREAM_TERMINATION;
	}

	@Override
	public String toString() {
		return "StreamTerminationGlobalFilter[final SSE error event on a broken stream]";
	}

}
