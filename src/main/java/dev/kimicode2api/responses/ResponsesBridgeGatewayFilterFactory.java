package dev.kimicode2api.responses;

import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.rewrite.RequestTranslation;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.store.AgentStore;
import dev.kimicode2api.store.StoreProperties;
import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.RequestContext;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * {@code - ResponsesBridge}: OpenAI's Responses API ({@code POST /v1/responses}, what Codex CLI and the OpenAI
 * Agents SDK speak) on a route whose upstream serves chat completions. Its request half translates the request
 * before the virtual model and the repairs see it ({@link ResponsesRequestTranslator}) and sends it to the route's
 * {@code chat-path}; its response half translates the answer back ({@link TranslatingResponse}), a stream event by
 * event as each upstream event arrives. Responses are stored (unless {@code store: false}) in the agent store, scoped
 * to the client's key, for {@code previous_response_id}, {@code GET} and {@code DELETE /v1/responses/{id}}
 * ({@link StoredResponses}).
 */
@Component
public class ResponsesBridgeGatewayFilterFactory
		extends AbstractGatewayFilterFactory<ResponsesBridgeGatewayFilterFactory.Config> {

	private final StoredResponses stored;

	private final LeftOutTools leftOut;

	public ResponsesBridgeGatewayFilterFactory(AgentStore store, StoreProperties storeProperties,
			GatewayMetrics metrics) {
		super(Config.class);
		this.stored = new StoredResponses(store, storeProperties.responseTtl());
		this.leftOut = new LeftOutTools(metrics);
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("chatPath");
	}

	@Override
	public GatewayFilter apply(Config config) {
		if (config.getChatPath() == null || !RouteSettingsRegistry.isPath(config.getChatPath())) {
			throw new IllegalArgumentException("ResponsesBridge chat-path '" + config.getChatPath()
					+ "' must be a path such as /v1/chat/completions");
		}
		return new Filter(config.getChatPath());
	}

	public static class Config {

		/** Where the upstream serves chat completions, below the route's uri. */
		private String chatPath = "/v1/chat/completions";

		public String getChatPath() {
			return chatPath;
		}

		public Config setChatPath(String chatPath) {
			this.chatPath = chatPath;
			return this;
		}

	}

	private final class Filter implements GatewayFilter, Ordered, RequestTranslation {

		private final String chatPath;

		Filter(String chatPath) {
			this.chatPath = chatPath;
		}

		/** The request half, within the one read of the body: the Responses request as a chat request. */
		@Override
		public Mono<Chat> toChat(ServerWebExchange exchange, byte[] body) {
			if (responseId(exchange) != null) {
				return Mono.error(unknownPath(exchange)); // POST /v1/responses/{id}: nothing to bridge
			}
			JsonNode request = ResponsesRequestTranslator.read(body);
			BridgeContext context = BridgeContext.forRequest(request, exchange.getRequest().getHeaders());
			context.attach(exchange);
			String route = exchange.<Route>getRequiredAttribute(GATEWAY_ROUTE_ATTR).getId();
			MediaType accept = context.stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON;
			return stored.previousConversation(request, context.owner)
				.map(previous -> new Chat(Json.MAPPER.writeValueAsBytes(ResponsesRequestTranslator.translate(request,
						previous, context, type -> leftOut.leftOut(route, type))), chatPath, accept));
		}

		/**
		 * The response half: a translated POST's answer translated back; {@code GET} and {@code DELETE} of a stored
		 * response answered here.
		 */
		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			BridgeContext context = BridgeContext.of(exchange);
			if (context != null) { // a POST that toChat translated and pointed at the chat path
				return chain.filter(exchange.mutate()
					.response(new TranslatingResponse(exchange.getResponse(), context, RequestContext.of(exchange),
							stored))
					.build());
			}
			HttpMethod method = exchange.getRequest().getMethod();
			String id = responseId(exchange);
			if (id != null && !id.isEmpty() && !id.contains("/")) {
				if (method == HttpMethod.GET) {
					return stored.retrieve(exchange, id);
				}
				if (method == HttpMethod.DELETE) {
					return stored.delete(exchange, id);
				}
			}
			if (id != null) {
				return Mono.error(unknownPath(exchange));
			}
			if (method != HttpMethod.POST) { // the route's predicate lets GET and DELETE through for /{id}
				return Mono.error(new MethodNotAllowedException(method, Set.of(HttpMethod.POST)));
			}
			// not translated: start-up refuses a bridge on a route without models, whose bodies are never read
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			return FilterOrder.RESPONSES_BRIDGE;
		}

		@Override
		public String toString() {
			return "ResponsesBridge[POST /v1/responses as " + chatPath + "; GET/DELETE /v1/responses/{id} from the"
					+ " agent store]";
		}

	}

	/** What follows {@code /v1/responses/} in the path ({@code null} for any other path, the chat path among them). */
	private static @Nullable String responseId(ServerWebExchange exchange) {
		String path = exchange.getRequest().getPath().value();
		return path.startsWith("/v1/responses/") ? path.substring("/v1/responses/".length()) : null;
	}

	private static ApiException unknownPath(ServerWebExchange exchange) {
		return new ApiException(HttpStatus.NOT_FOUND, "Unknown path: " + exchange.getRequest().getMethod() + " "
				+ exchange.getRequest().getPath().value(), null, null);
	}

}
