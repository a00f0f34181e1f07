package dev.kimicode2api.answer;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;

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
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseBatch;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The first reader of a model call's answer (a successful JSON or event-stream answer to a POST on a route that serves
 * models), right after the upstream: every other reader gets the answer as this one read it. A stream is cut into its
 * events here, once, and handed on as {@link SseBatch}es (the events of one upstream read, flushed together, never
 * held back), whose events keep whatever a reader parses of them; a plain answer passes on as it comes, and is read
 * once when it ends ({@link RequestContext#plainAnswer()}). On the way the usage, and for a traced request the model
 * and finish reasons, go into the request's context ({@link AnswerFacts}).
 */
@Component
public class AnswerReaderGlobalFilter implements GlobalFilter, Ordered {

	/** A plain answer larger than this is passed on unread: a chat completion is kilobytes. */
	static final int MAX_PLAIN_ANSWER = 16 * 1024 * 1024;

	private final RouteSettingsRegistry routes;

	public AnswerReaderGlobalFilter(RouteSettingsRegistry routes) {
		this.routes = routes;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null || exchange.getRequest().getMethod() != HttpMethod.POST || !routes.forRoute(route).hasModels()) {
			return chain.filter(exchange);
		}
		RequestContext context = RequestContext.of(exchange);
		ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {

			@Override
			public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
				if (!successful() || !MediaType.APPLICATION_JSON.isCompatibleWith(getHeaders().getContentType())) {
					return super.writeWith(body);
				}
				PlainAnswer answer = new PlainAnswer();
				return super.writeWith(Flux.<DataBuffer>from(body)
					.doOnNext(answer::copy)
					.concatWith(Mono.fromRunnable(() -> answer.read(context))));
			}

			@Override
			public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
				if (!successful() || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
					return super.writeAndFlushWith(body);
				}
				AnswerFacts facts = new AnswerFacts(context);
				return super.writeAndFlushWith(SseBatch.handOn(SseBatch.of(body, bufferFactory())
					.doOnNext(batch -> batch.events().forEach(facts::event))));
			}

			private boolean successful() {
				HttpStatusCode status = getStatusCode();
				return status == null || status.is2xxSuccessful();
			}
		};
		return chain.filter(exchange.mutate().response(response).build());
	}

	/** A plain answer's bytes, copied as they pass (the buffers go on untouched), then read once. */
	static final class PlainAnswer {

		private byte[] bytes = new byte[0];

		private int size;

		private boolean tooLarge;

		void copy(DataBuffer buffer) {
			int length = buffer.readableByteCount();
			if (tooLarge || size + length > MAX_PLAIN_ANSWER) {
				tooLarge = true;
				return;
			}
			if (size + length > bytes.length) {
				bytes = Arrays.copyOf(bytes, Math.max(size + length, 2 * bytes.length));
			}
			buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(bytes), size, length);
			size += length;
		}

		void read(RequestContext context) {
			if (tooLarge || size == 0) {
				return;
			}
			ChatChunk answer;
			try {
				answer = ChatChunk.read(bytes, 0, size);
			}
			catch (JacksonException ex) {
				return; // not one JSON object: nothing to take from it
			}
			context.plainAnswer(answer);
			new AnswerFacts(context).answer(answer);
		}

	}

	@Override
	public int getOrder() {
		return FilterOrder.ANSWER_READER;
	}

	@Override
	public String toString() {
		return "AnswerReaderGlobalFilter[a model call's answer read once: events cut, usage and details noted]";
	}

}
