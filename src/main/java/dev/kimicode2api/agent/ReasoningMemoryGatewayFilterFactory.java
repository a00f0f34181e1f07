package dev.kimicode2api.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.rewrite.ChatRequestRepair;
import dev.kimicode2api.store.AgentStore;
import dev.kimicode2api.store.Credential;
import dev.kimicode2api.store.StoreProperties;
import dev.kimicode2api.store.StoreWrite;
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseBatch;

/**
 * {@code - ReasoningMemory}: in thinking mode Kimi refuses an assistant tool-call message without the
 * {@code reasoning_content} it produced, and almost every OpenAI client drops that field when it rebuilds its history.
 * On a route with this filter, the reasoning of each response with tool calls is remembered as it passes (scoped to
 * the client's key), and in a later request with thinking on, each assistant tool-call message without reasoning gets
 * it back: from a leading {@code <think>…</think>} in its content (what {@code -inline} models gave the client), else
 * from memory, else the route's {@code placeholder}, so Kimi accepts the turn.
 */
@Component
public class ReasoningMemoryGatewayFilterFactory
		extends AbstractGatewayFilterFactory<ReasoningMemoryGatewayFilterFactory.Config> {

	static final String KIND = "reasoning";

	private final AgentStore store;

	private final Duration ttl;

	private final GatewayMetrics metrics;

	public ReasoningMemoryGatewayFilterFactory(AgentStore store, StoreProperties properties, GatewayMetrics metrics) {
		super(Config.class);
		this.store = store;
		this.ttl = properties.reasoningTtl();
		this.metrics = metrics;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("placeholder");
	}

	@Override
	public GatewayFilter apply(Config config) {
		if (config.getPlaceholder() == null || config.getPlaceholder().isBlank()) {
			throw new IllegalArgumentException("ReasoningMemory placeholder must be a non-empty text: Kimi refuses an"
					+ " empty reasoning_content");
		}
		return new Filter(config.getPlaceholder());
	}

	public static class Config {

		/** What an assistant tool-call message gets when its reasoning is not known (Kimi refuses an empty one). */
		private String placeholder = "[reasoning unavailable]";

		public String getPlaceholder() {
			return placeholder;
		}

		public Config setPlaceholder(String placeholder) {
			this.placeholder = placeholder;
			return this;
		}

	}

	private final class Filter implements GatewayFilter, Ordered, ChatRequestRepair {

		private final String placeholder;

		Filter(String placeholder) {
			this.placeholder = placeholder;
		}

		/** The request half, within the one read of the body: reasoning restored where a tool-call turn lacks it. */
		@Override
		public Mono<Void> repair(ServerWebExchange exchange, ChatRequest request) {
			if (!request.thinking() || !request.mentions("messages", "tool_calls")) {
				return Mono.empty();
			}
			Map<String, List<ChatRequest.Element>> missing = new LinkedHashMap<>();
			int fromThinkTags = 0;
			for (ChatRequest.Element element : request.elements("messages")) {
				if (!element.mentions("tool_calls") || !(element.node() instanceof ObjectNode message)
						|| !needsReasoning(message)) {
					continue;
				}
				if (moveThinkTagToReasoning(message)) {
					element.changed();
					fromThinkTags++;
				}
				else {
					missing.computeIfAbsent(ToolCalls.fingerprint(ToolCalls.of(message.get("tool_calls"))),
							key -> new ArrayList<>()).add(element);
				}
			}
			Repairs.count(exchange, metrics, Repairs.REASONING_THINK_TAG, fromThinkTags);
			if (missing.isEmpty()) {
				return Mono.empty();
			}
			Credential owner = Credential.of(exchange.getRequest().getHeaders());
			Mono<Map<String, String>> remembered = owner == null ? Mono.just(Map.of())
					: store.get(owner, KIND, missing.keySet());
			return remembered.doOnNext(found -> {
				int restored = 0;
				int placeholders = 0;
				for (Map.Entry<String, List<ChatRequest.Element>> entry : missing.entrySet()) {
					String reasoning = found.get(entry.getKey());
					for (ChatRequest.Element element : entry.getValue()) {
						((ObjectNode) element.node()).put("reasoning_content", reasoning != null ? reasoning : placeholder);
						element.changed();
					}
					if (reasoning != null) {
						restored += entry.getValue().size();
					}
					else {
						placeholders += entry.getValue().size();
					}
				}
				Repairs.count(exchange, metrics, Repairs.REASONING_REMEMBERED, restored);
				Repairs.count(exchange, metrics, Repairs.REASONING_PLACEHOLDER, placeholders);
			}).then();
		}

		/**
		 * The response half: the reasoning of an answer to a request with thinking on, tools offered and a key,
		 * remembered (without tools there is no tool-call turn to remember it by, and the answer is not read).
		 */
		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			RequestContext context = RequestContext.of(exchange);
			Credential owner = context.thinking() && context.offersTools()
					? Credential.of(exchange.getRequest().getHeaders()) : null;
			if (owner == null) {
				return chain.filter(exchange);
			}
			return chain.filter(exchange.mutate().response(new RememberingResponse(exchange, owner)).build());
		}

		@Override
		public int getOrder() {
			return FilterOrder.REASONING_MEMORY;
		}

		@Override
		public String toString() {
			return "ReasoningMemory[remember reasoning_content by tool calls, per key; restore it in thinking mode;"
					+ " placeholder '" + placeholder + "']";
		}

	}

	/** An assistant message with tool calls and no (or a blank) reasoning. */
	private static boolean needsReasoning(ObjectNode message) {
		return "assistant".equals(message.path("role").asString(null)) && message.path("tool_calls").isArray()
				&& !message.path("tool_calls").isEmpty() && message.path("reasoning_content").asString("").isBlank();
	}

	/** A leading {@code <think>…</think>} in the content becomes the reasoning, and leaves the content. */
	static boolean moveThinkTagToReasoning(ObjectNode message) {
		JsonNode content = message.get("content");
		String text = content != null && content.isString() ? content.asString() : null;
		if (text == null) {
			return false;
		}
		String trimmed = text.stripLeading();
		int close = trimmed.indexOf("</think>");
		if (!trimmed.startsWith("<think>") || close < 0) {
			return false;
		}
		String reasoning = trimmed.substring("<think>".length(), close).strip();
		if (reasoning.isEmpty()) {
			return false;
		}
		message.put("reasoning_content", reasoning);
		message.put("content", trimmed.substring(close + "</think>".length()).stripLeading());
		return true;
	}

	/**
	 * Reads the answer as it passes (never holding it), through its first reader's events or plain answer, and, when it
	 * ends, stores what it remembered before the response completes, so the client's next turn finds it on any replica.
	 */
	private final class RememberingResponse extends ServerHttpResponseDecorator {

		private final RequestContext context;

		private final Credential owner;

		private final ReasoningRecorder recorder = new ReasoningRecorder();

		RememberingResponse(ServerWebExchange exchange, Credential owner) {
			super(exchange.getResponse());
			this.context = RequestContext.of(exchange);
			this.owner = owner;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			if (!successful() || !MediaType.APPLICATION_JSON.isCompatibleWith(getHeaders().getContentType())) {
				return super.writeWith(body);
			}
			return super.writeWith(Flux.<DataBuffer>from(body).concatWith(Mono.defer(() -> {
				ChatChunk answer = context.plainAnswer();
				if (answer != null) {
					recorder.acceptCompletion(answer);
				}
				Map<String, String> remembered = recorder.remembered();
				// most answers have no tool call: nothing to store, no write to set up
				return remembered.isEmpty() ? Mono.empty()
						: new StoreWrite(() -> store.put(owner, KIND, remembered, ttl)).start();
			}).then(Mono.empty())));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			if (!successful() || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
				return super.writeAndFlushWith(body);
			}
			StoreWrite remember = new StoreWrite(() -> store.put(owner, KIND, recorder.remembered(), ttl));
			return super.writeAndFlushWith(SseBatch.handOn(SseBatch.of(body, bufferFactory())
				.doOnNext(batch -> recorder.accept(batch.events()))
				.concatWith(Mono.defer(remember::start).then(Mono.empty()))
				// a client that leaves once it has the whole turn (the finish) must not lose it
				.doOnCancel(() -> {
					if (recorder.finished()) {
						remember.start();
					}
				})));
		}

		private boolean successful() {
			HttpStatusCode status = getStatusCode();
			return status == null || status.is2xxSuccessful();
		}

	}

}
