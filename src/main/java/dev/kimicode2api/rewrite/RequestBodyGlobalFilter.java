package dev.kimicode2api.rewrite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.KimicodeProperties;
import dev.kimicode2api.models.ModelCatalogue;
import dev.kimicode2api.routing.CachedRequestBody;
import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.routing.VirtualModel;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.TopLevelJson;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CACHED_REQUEST_BODY_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * On routes that serve models, reads the JSON body once, onto the heap ({@link CachedRequestBody}), and applies in
 * turn: the route's protocol bridge ({@link RequestTranslation}), a check that it is a JSON object (its
 * {@code model} noted for logs and metrics), the virtual model (its real model plus the fields it sets), and the
 * route's repairs ({@link ChatRequestRepair}); then it notes in the request's context what the request asks. A body
 * nothing changed is forwarded as the very same bytes.
 *
 * <p>Bridges and repairs are route filters named in the route's YAML ({@code - ResponsesBridge},
 * {@code - ReasoningMemory}, {@code - KimiRepairs}): this is where their request halves run, found among the route's
 * filters by the interface they implement ({@link Steps}). Their response halves run in their own {@code filter()},
 * where {@link dev.kimicode2api.FilterOrder} places them among the answer's readers; one filter position cannot serve
 * both, since a request must be complete before the span starts and Retry takes over, long before the answer's readers.
 */
@Component
public class RequestBodyGlobalFilter implements GlobalFilter, Ordered {

	private static final Logger log = LoggerFactory.getLogger(RequestBodyGlobalFilter.class);

	/** A tool in {@code tools}: an empty array or {@code null} offers none. */
	private static final byte[] TOOL_OBJECT = { '{' };

	private final RouteSettingsRegistry registry;

	private final ModelCatalogue catalogue;

	private final long maxRequestBytes;

	public RequestBodyGlobalFilter(RouteSettingsRegistry registry, ModelCatalogue catalogue,
			KimicodeProperties properties) {
		this.registry = registry;
		this.catalogue = catalogue;
		this.maxRequestBytes = properties.maxRequestSize().toBytes();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null || !registry.forRoute(route).hasModels() || !hasBody(exchange.getRequest().getMethod())) {
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
		// Read once onto the heap (a Model predicate may have read it already to pick this route), changed by the
		// route's steps, and sent on from the heap: nothing pooled to leak if the upstream cannot be reached, and a
		// retry after a refused connection sends the same bytes again. As the exchange's cached request body, it
		// keeps the Retry filter from copying every body a second time.
		return CachedRequestBody.read(exchange, maxRequestBytes)
			.flatMap(body -> rewrite(exchange, body))
			.flatMap(forward -> {
				exchange.getAttributes().put(CACHED_REQUEST_BODY_ATTR,
						DefaultDataBufferFactory.sharedInstance.wrap(forward.body()));
				return chain.filter(exchange.mutate()
					.request(CachedRequestBody.withBody(exchange.getRequest(), forward.body(), forward.path(),
							forward.accept()))
					.build());
			});
	}

	/** The request to send on: the client's own body, rewritten or not, or the chat request a bridge made of it. */
	private Mono<RequestTranslation.Chat> rewrite(ServerWebExchange exchange, byte[] body) {
		if (body == null || body.length == 0) {
			return Mono.error(new InvalidBodyException("The request body is empty: send a JSON object"));
		}
		Route route = exchange.getRequiredAttribute(GATEWAY_ROUTE_ATTR);
		Steps steps = Steps.of(route);
		if (steps.bridge() == null) {
			return chatRequest(exchange, route, body, steps.repairs(), null, null);
		}
		return steps.bridge().toChat(exchange, body)
			.flatMap(bridged -> chatRequest(exchange, route, bridged.body(), steps.repairs(), bridged.path(),
					bridged.accept()));
	}

	/**
	 * The request halves of the route's own filters: its protocol bridge, and its repairs in the order Spring Cloud
	 * Gateway sorted the route's filters, by {@code getOrder()} (our filters implement {@code Ordered}, so
	 * {@link dev.kimicode2api.FilterOrder} decides, not their place in the YAML): {@code ReasoningMemory}, then
	 * {@code KimiRepairs}.
	 */
	private record Steps(@Nullable RequestTranslation bridge, List<ChatRequestRepair> repairs) {

		static Steps of(Route route) {
			RequestTranslation bridge = null;
			List<ChatRequestRepair> repairs = new ArrayList<>(2);
			for (GatewayFilter filter : route.getFilters()) {
				GatewayFilter own = filter instanceof OrderedGatewayFilter ordered ? ordered.getDelegate() : filter;
				if (own instanceof RequestTranslation translation) {
					bridge = translation;
				}
				if (own instanceof ChatRequestRepair repair) {
					repairs.add(repair);
				}
			}
			return new Steps(bridge, repairs);
		}

	}

	/**
	 * The chat request's own steps, for a request going on to {@code path} with {@code accept} (a bridge's; the
	 * client's where null). Repairs that have nothing to wait for answer {@code Mono.empty()} and cost no operator;
	 * once one waits (for the agent store), the following ones run after it.
	 */
	private Mono<RequestTranslation.Chat> chatRequest(ServerWebExchange exchange, Route route, byte[] bytes,
			List<ChatRequestRepair> repairs, @Nullable String path, @Nullable MediaType accept) {
		ChatRequest request = ChatRequest.parse(bytes);
		String model = request.model();
		RequestContext record = RequestContext.of(exchange);
		record.model(model);
		record.stream(request.stream());
		RouteSettings settings = registry.forRoute(route);
		if (model == null) {
			return steps(exchange, route, settings, request, Map.of(), repairs, path, accept);
		}
		HttpHeaders headers = exchange.getRequest().getHeaders();
		Map<String, ModelCapabilities> known = catalogue.now(settings, headers);
		if (known != null) {
			return steps(exchange, route, settings, request, known, repairs, path, accept);
		}
		return catalogue.first(settings, headers, settings.catalogue().maxWait())
			.flatMap(fetched -> steps(exchange, route, settings, request, fetched, repairs, path, accept));
	}

	/**
	 * The virtual model, what the model accepts ({@code known}: the upstream's catalogue for this key, else the
	 * route's declared models), then the repairs. Repairs that have nothing to wait for answer {@code Mono.empty()}
	 * and cost no operator; once one waits (for the agent store), the following ones run after it.
	 */
	private Mono<RequestTranslation.Chat> steps(ServerWebExchange exchange, Route route, RouteSettings settings,
			ChatRequest request, Map<String, ModelCapabilities> known, List<ChatRequestRepair> repairs,
			@Nullable String path, @Nullable MediaType accept) {
		String model = request.model();
		VirtualModel virtual = model == null ? null : settings.virtualModel(model, known);
		if (virtual != null) {
			applyVirtualModel(exchange, route, request, virtual);
		}
		String upstreamModel = virtual != null ? virtual.model() : model;
		request.capabilities(upstreamModel == null ? null : settings.capabilities(upstreamModel, known));
		Mono<Void> waiting = null;
		for (ChatRequestRepair repair : repairs) {
			if (waiting != null) {
				waiting = waiting.then(Mono.defer(() -> repair.repair(exchange, request)));
			}
			else {
				Mono<Void> step = repair.repair(exchange, request);
				waiting = step == Mono.<Void>empty() ? null : step;
			}
		}
		RequestContext context = RequestContext.of(exchange);
		return waiting == null ? Mono.just(send(context, request, upstreamModel, path, accept))
				: waiting.then(Mono.fromSupplier(() -> send(context, request, upstreamModel, path, accept)));
	}

	/**
	 * The chat request as it goes upstream, with what the request's context keeps of it: for traces and metrics, and
	 * for the response halves of the route's filters.
	 */
	private static RequestTranslation.Chat send(RequestContext context, ChatRequest request,
			@Nullable String upstreamModel, @Nullable String path, @Nullable MediaType accept) {
		context.upstreamModel(upstreamModel);
		Long maxTokens = request.longValue("max_completion_tokens");
		context.maxTokens(maxTokens != null ? maxTokens : request.longValue("max_tokens"));
		context.thinking(request.thinking());
		context.offersTools(request.topLevel().mentions("tools", TOOL_OBJECT)); // the body as sent: a repair may trim tools
		// a bridge's chat request (it has a path of its own) asks the usage for the bridge, whose client reads its events
		context.streamUsage(path == null && request.stream() && asksStreamUsage(request));
		return new RequestTranslation.Chat(request.toBytes(), path, accept);
	}

	/** Whether the request asks {@code stream_options.include_usage} (only a field that mentions true is parsed). */
	private static boolean asksStreamUsage(ChatRequest request) {
		return request.mentions("stream_options", "true")
				&& Json.MAPPER.readTree(request.text("stream_options")).path("include_usage").asBoolean(false);
	}

	private static void applyVirtualModel(ServerWebExchange exchange, Route route, ChatRequest request,
			VirtualModel virtual) {
		request.set("model", TopLevelJson.quote(virtual.model()));
		virtual.set().forEach(request::set);
		if (virtual.thinkingBudgetTokens() != null) {
			request.set("thinking", anthropicThinking(virtual, request.topLevel().longValue("max_tokens")));
		}
		if (virtual.reasoningInline()) {
			RequestContext.of(exchange).reasoningInline(true);
		}
		List<String> set = new ArrayList<>(virtual.set().keySet());
		if (virtual.thinkingBudgetTokens() != null) {
			set.add("thinking");
		}
		// Names only, never the body: prompts are private.
		log.info("{}: virtual model {} on route {} sent as model {} with {} set",
				set.contains("thinking") ? "Thinking mode activated" : "Virtual model rewritten", virtual.name(),
				route.getId(), virtual.model(), set);
	}

	private static boolean hasBody(HttpMethod method) {
		return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH;
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
		return FilterOrder.REQUEST_BODY;
	}

	@Override
	public String toString() {
		return "RequestBodyGlobalFilter[route's bridge, metadata 'virtual-models', route's repairs]";
	}

}
