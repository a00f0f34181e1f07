package dev.kimicode2api.rewrite;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseBatch;

/**
 * For virtual models with {@code reasoning-inline: true}: the reasoning the upstream sends as
 * {@code reasoning_content} reaches the client at the start of {@code content}, wrapped as {@code <think>…</think>},
 * the form chat UIs that render only {@code content} fold away as reasoning. A plain answer is rewritten whole, a
 * stream event by event as its batches pass ({@link ReasoningInliner}), both from what the answer's first reader read.
 */
@Component
public class InlineReasoningGlobalFilter implements GlobalFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		RequestContext context = RequestContext.of(exchange);
		if (!context.reasoningInline()) {
			return chain.filter(exchange); // the request body was read before: only -inline models get a decorator
		}
		ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {

			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				if (!applies(this) || !MediaType.APPLICATION_JSON.isCompatibleWith(getHeaders().getContentType())) {
					return super.writeWith(body);
				}
				return DataBufferUtils.join(Flux.from(body)).flatMap(joined -> {
					byte[] bytes = new byte[joined.readableByteCount()];
					joined.read(bytes);
					DataBufferUtils.release(joined);
					ChatChunk answer = context.plainAnswer();
					byte[] rewritten = answer == null ? bytes : ReasoningInliner.inlineMessage(bytes, answer);
					getHeaders().setContentLength(rewritten.length);
					return super.writeWith(Mono.fromSupplier(() -> bufferFactory().wrap(rewritten)));
				});
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				if (!applies(this) || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
					return super.writeAndFlushWith(body);
				}
				ReasoningInliner inliner = new ReasoningInliner();
				getHeaders().remove(HttpHeaders.CONTENT_LENGTH); // the rewritten events differ in length
				return super.writeAndFlushWith(SseBatch.handOn(SseBatch.of(body, bufferFactory())
					.map(batch -> batch.with(inliner.accept(batch.events())))));
			}

			private boolean applies(ServerHttpResponseDecorator response) {
				HttpStatusCode status = response.getStatusCode();
				return status == null || status.is2xxSuccessful();
			}
		};
		return chain.filter(exchange.mutate().response(response).build());
	}

	@Override
	public int getOrder() {
		return FilterOrder.INLINE_REASONING;
	}

	@Override
	public String toString() {
		return "InlineReasoningGlobalFilter[virtual-models.*.reasoning-inline: reasoning_content as <think> in content]";
	}

}
