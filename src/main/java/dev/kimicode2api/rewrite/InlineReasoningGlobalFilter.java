package dev.kimicode2api.rewrite;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.RequestContext;

/**
 * For virtual models with {@code reasoning-inline: true}: the reasoning the upstream sends as
 * {@code reasoning_content} reaches the client at the start of {@code content}, wrapped as {@code <think>…</think>},
 * the form chat UIs that render only {@code content} fold away as reasoning. A plain response is rewritten whole; a
 * stream event by event as it passes ({@link ReasoningInliner}), never holding more than one event.
 */
@Component
public class InlineReasoningGlobalFilter implements GlobalFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (!RequestContext.of(exchange).reasoningInline()) {
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
					byte[] rewritten = inlineMessage(bytes);
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
				return super.writeAndFlushWith(Flux.from(body)
					.concatMap(Flux::from)
					.concatMapIterable(inliner::accept)
					.concatWith(Mono.fromSupplier(inliner::rest).filter(rest -> rest.length > 0))
					.map(event -> Mono.fromSupplier(() -> bufferFactory().wrap(event))));
			}

			private boolean applies(ServerHttpResponseDecorator response) {
				HttpStatusCode status = response.getStatusCode();
				return status == null || status.is2xxSuccessful();
			}
		};
		return chain.filter(exchange.mutate().response(response).build());
	}

	/** A {@code chat.completion}: each choice's message gets its reasoning in front of its content. */
	static byte[] inlineMessage(byte[] body) {
		try {
			JsonNode completion = Json.MAPPER.readTree(body);
			boolean changed = false;
			for (JsonNode choice : completion.path("choices")) {
				if (choice.path("message") instanceof ObjectNode message && message.has("reasoning_content")) {
					String reasoning = message.path("reasoning_content").asString("");
					message.remove("reasoning_content");
					String content = message.path("content").asString("");
					message.put("content", reasoning.isEmpty() ? content : "<think>" + reasoning + "</think>" + content);
					changed = true;
				}
			}
			return changed ? Json.MAPPER.writeValueAsBytes(completion) : body;
		}
		catch (JacksonException ex) {
			return body; // not the JSON we know: passed on as it came
		}
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
