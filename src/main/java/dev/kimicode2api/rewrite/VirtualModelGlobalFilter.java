package dev.kimicode2api.rewrite;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.factory.rewrite.ModifyRequestBodyGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.KimicodeProperties;
import dev.kimicode2api.routing.CachedRequestBody;
import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.routing.VirtualModel;
import dev.kimicode2api.web.ExchangeAttributes;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * On routes that serve models, reads the JSON body through {@link ModifyRequestBodyGatewayFilterFactory}, checks it
 * is an object, notes its {@code model} for logs and metrics, and rewrites a virtual model into its real model plus
 * the fields it sets. A body naming a real model is forwarded as the very same bytes.
 */
@Component
public class VirtualModelGlobalFilter implements GlobalFilter, Ordered {

	private static final Logger log = LoggerFactory.getLogger(VirtualModelGlobalFilter.class);

	private final RouteSettingsRegistry registry;

	private final GatewayFilter modifyBody;

	private final long maxRequestBytes;

	public VirtualModelGlobalFilter(RouteSettingsRegistry registry, ModifyRequestBodyGatewayFilterFactory factory,
			KimicodeProperties properties) {
		this.registry = registry;
		this.maxRequestBytes = properties.maxRequestSize().toBytes();
		this.modifyBody = factory.apply(new ModifyRequestBodyGatewayFilterFactory.Config()
			.setRewriteFunction(byte[].class, byte[].class, this::rewrite));
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null || !registry.forRoute(route).hasModels()) {
			return chain.filter(exchange);
		}
		HttpHeaders headers = exchange.getRequest().getHeaders();
		if (headers.getContentLength() > maxRequestBytes) {
			return Mono.error(tooLarge());
		}
		MediaType contentType = headers.getContentType();
		if (contentType != null && !isJson(contentType)) {
			return Mono.error(new ResponseStatusException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
					"Content-Type must be application/json, not " + contentType));
		}
		// The rewritten body is held in unpooled heap memory: if the upstream cannot be reached, nothing reads it,
		// and a pooled buffer would leak. The real response goes back into the chain for the upstream's answer.
		// A Model predicate may have read the body already to pick this route; it is replayed from its cache.
		ServerWebExchange source = CachedRequestBody.isCached(exchange)
				? exchange.mutate().request(CachedRequestBody.replay(exchange)).build() : exchange;
		ServerWebExchange heapBuffered = source.mutate()
			.response(new ServerHttpResponseDecorator(exchange.getResponse()) {
				@Override
				public DataBufferFactory bufferFactory() {
					return DefaultDataBufferFactory.sharedInstance;
				}
			})
			.build();
		return modifyBody.filter(heapBuffered,
				rewritten -> chain.filter(rewritten.mutate().response(exchange.getResponse()).build()));
	}

	private Mono<byte[]> rewrite(ServerWebExchange exchange, byte[] body) {
		if (body == null || body.length == 0) {
			return Mono.error(new InvalidBodyException("The request body is empty: send a JSON object"));
		}
		TopLevelJson json = TopLevelJson.parse(body);
		String model = json.model();
		if (model != null) {
			exchange.getAttributes().put(ExchangeAttributes.MODEL, model);
		}
		exchange.getAttributes().put(ExchangeAttributes.STREAM, json.stream());
		Route route = exchange.getRequiredAttribute(GATEWAY_ROUTE_ATTR);
		RouteSettings settings = registry.forRoute(route);
		VirtualModel virtual = model == null ? null : settings.virtualModels().get(model);
		if (virtual == null) {
			return Mono.just(body);
		}
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("model", TopLevelJson.quote(virtual.model()));
		fields.putAll(virtual.set());
		if (virtual.thinkingBudgetTokens() != null) {
			fields.put("thinking", anthropicThinking(virtual, json.longValue("max_tokens")));
		}
		if (virtual.reasoningInline()) {
			exchange.getAttributes().put(ExchangeAttributes.REASONING_INLINE, Boolean.TRUE);
		}
		// Names only, never the body: prompts are private.
		log.info("{}: virtual model {} on route {} sent as model {} with {} set",
				fields.containsKey("thinking") ? "Thinking mode activated" : "Virtual model rewritten", model,
				route.getId(), virtual.model(), fields.keySet().stream().filter(f -> !f.equals("model")).toList());
		return Mono.just(json.with(fields));
	}

	/** Anthropic's thinking switch; its budget must stay below {@code max_tokens}, which it is spent from. */
	private static String anthropicThinking(VirtualModel virtual, Long maxTokens) {
		long budget = virtual.thinkingBudgetTokens();
		if (maxTokens != null) {
			if (maxTokens < 2) {
				throw new InvalidBodyException("max_tokens must be at least 2 for " + virtual.name()
						+ ": thinking is spent from max_tokens");
			}
			budget = Math.min(budget, maxTokens - 1);
		}
		return "{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}";
	}

	private static boolean isJson(MediaType type) {
		return MediaType.APPLICATION_JSON.isCompatibleWith(type) || type.getSubtype().endsWith("+json");
	}

	static ResponseStatusException tooLarge() {
		return new ResponseStatusException(HttpStatus.CONTENT_TOO_LARGE,
				"The request body is larger than this gateway accepts (kimicode.max-request-size)");
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 200;
	}

	@Override
	public String toString() {
		return "VirtualModelGlobalFilter[route metadata 'virtual-models', via " + modifyBody + "]";
	}

}
