package dev.kimicode2api.routing;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.NameUtils;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.errors.ErrorDialect;
import dev.kimicode2api.responses.ResponsesBridgeGatewayFilterFactory;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Reads kimicode2api's per-route settings from route metadata. Every route configured in YAML is checked at start-up,
 * so a typo fails the boot with the offending key named instead of failing the first request.
 */
@Component
public class RouteSettingsRegistry {

	static final String PREFIX = "spring.cloud.gateway.server.webflux.routes";

	private static final ObjectMapper JSON = new ObjectMapper();

	private final Map<String, RouteSettings> byRouteId = new ConcurrentHashMap<>();

	private final List<RouteSettings> configured;

	public RouteSettingsRegistry(GatewayProperties gateway) {
		List<RouteSettings> all = new ArrayList<>();
		List<RouteDefinition> routes = gateway.getRoutes();
		for (int i = 0; i < routes.size(); i++) {
			RouteDefinition route = routes.get(i);
			String key = PREFIX + "[" + i + "]";
			validateUri(route.getUri(), key + ".uri");
			RouteSettings parsed = parse(route.getId(), route.getMetadata(), key + ".metadata");
			RouteSettings settings = parsed.claiming(claimedModels(route, key, parsed.virtualModels().keySet()));
			all.add(settings);
			byRouteId.put(route.getId(), settings);
		}
		this.configured = List.copyOf(all);
		validateRetries(gateway.getDefaultFilters(), "spring.cloud.gateway.server.webflux.default-filters");
		validateOwnFilters(gateway.getDefaultFilters(), "spring.cloud.gateway.server.webflux.default-filters");
		for (int i = 0; i < routes.size(); i++) {
			validateRetries(routes.get(i).getFilters(), PREFIX + "[" + i + "].filters");
			validateOwnFilters(routes.get(i).getFilters(), PREFIX + "[" + i + "].filters");
			validateBridge(routes.get(i).getFilters(), all.get(i), PREFIX + "[" + i + "]");
		}
	}

	/** One argument of this gateway's own route filters: its check, and what a good value looks like. */
	private record Arg(Predicate<String> valid, String expected) {
	}

	private static final Arg BOOLEAN = new Arg(v -> v.equals("true") || v.equals("false"), "true or false");

	/** The arguments each of this gateway's route filters takes, the shortcut form's first one first. */
	private static final Map<String, Map<String, Arg>> OWN_FILTERS = Map.of(
			"ReasoningMemory", Map.of("placeholder", new Arg(v -> !v.isBlank(),
					"a non-empty text (Kimi refuses an empty reasoning_content)")),
			"KimiRepairs", Map.of("schema-types", BOOLEAN, "empty-tool-call-content", BOOLEAN),
			"ResponsesBridge", Map.of("chat-path", new Arg(ResponsesBridgeGatewayFilterFactory::isPath,
					"a path such as /v1/chat/completions")));

	private static final Map<String, String> SHORTCUT_FIRST = Map.of("ReasoningMemory", "placeholder",
			"ResponsesBridge", "chat-path");

	/**
	 * Spring Cloud Gateway ignores an argument it does not know and fails late on a bad one; for this gateway's own
	 * filters a typo or a bad value stops the start with the key named.
	 */
	private static void validateOwnFilters(List<FilterDefinition> filters, String key) {
		for (int i = 0; i < filters.size(); i++) {
			FilterDefinition filter = filters.get(i);
			Map<String, Arg> known = OWN_FILTERS.get(filter.getName());
			if (known == null) {
				continue;
			}
			for (Map.Entry<String, String> arg : filter.getArgs().entrySet()) {
				String name = arg.getKey().equals(NameUtils.generateName(0)) && SHORTCUT_FIRST.containsKey(filter.getName())
						? SHORTCUT_FIRST.get(filter.getName()) : arg.getKey();
				Arg check = known.get(name);
				String at = key + "[" + i + "].args." + arg.getKey();
				if (check == null) {
					throw new IllegalStateException(at + " is not an argument of " + filter.getName() + "; it takes "
							+ new java.util.TreeSet<>(known.keySet()));
				}
				String value = arg.getValue() == null ? "" : arg.getValue().trim();
				if (!check.valid().test(value)) {
					throw new IllegalStateException(at + " '" + arg.getValue() + "' must be " + check.expected());
				}
			}
		}
	}

	/** A protocol bridge translates request bodies, and bodies are read only on a route that serves models. */
	private static void validateBridge(List<FilterDefinition> filters, RouteSettings settings, String key) {
		for (int i = 0; i < filters.size(); i++) {
			if ("ResponsesBridge".equals(filters.get(i).getName()) && !settings.hasModels()) {
				throw new IllegalStateException(key + ".filters[" + i + "] 'ResponsesBridge' needs a route that serves"
						+ " models: set " + key + ".metadata.models");
			}
		}
	}

	/**
	 * Spring Cloud Gateway's Retry refuses fewer than 1 retry only when it builds the routes, with a bare stack trace;
	 * "no retries" is a natural thing to ask for, so the key (and the variable the YAML reads it from) is named here.
	 */
	private static void validateRetries(List<FilterDefinition> filters, String key) {
		for (int i = 0; i < filters.size(); i++) {
			FilterDefinition filter = filters.get(i);
			if (!"Retry".equals(filter.getName())) {
				continue;
			}
			String argument = filter.getArgs().containsKey("retries") ? "retries" : NameUtils.generateName(0);
			String value = filter.getArgs().get(argument);
			if (value == null) {
				continue;
			}
			int retries;
			try {
				retries = Integer.parseInt(value.trim());
			}
			catch (NumberFormatException ex) {
				retries = -1;
			}
			if (retries < 1) {
				throw new IllegalStateException(key + "[" + i + "].args." + argument + " '" + value
						+ "' must be a whole number of at least 1 (UPSTREAM_CONNECT_RETRIES for the default Retry filter)");
			}
		}
	}

	/** The settings of every route configured at start-up, in YAML order. */
	public List<RouteSettings> configured() {
		return configured;
	}

	/** The settings of a live route (also one added later through another route locator). */
	public RouteSettings forRoute(Route route) {
		return byRouteId.computeIfAbsent(route.getId(),
				id -> parse(id, route.getMetadata(), PREFIX + "[" + id + "].metadata"));
	}

	/** The settings of the route that took this exchange, or {@code null} before routing. */
	public @Nullable RouteSettings forExchange(ServerWebExchange exchange) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		return route == null ? null : forRoute(route);
	}

	/** The error shape of the route that took this exchange; OpenAI's before routing. */
	public ErrorDialect errorDialect(ServerWebExchange exchange) {
		RouteSettings settings = forExchange(exchange);
		return settings == null ? ErrorDialect.OPENAI : settings.errorDialect();
	}

	/** The names of the route's {@code Model} predicate, checked to cover the route's virtual models. */
	private static List<String> claimedModels(RouteDefinition route, String key, Set<String> virtualModels) {
		List<PredicateDefinition> predicates = route.getPredicates();
		List<String> claimed = new ArrayList<>();
		for (int j = 0; j < predicates.size(); j++) {
			PredicateDefinition predicate = predicates.get(j);
			if (!ModelRoutePredicateFactory.NAME.equals(predicate.getName())) {
				continue;
			}
			List<String> names = new ArrayList<>();
			String predicateKey = key + ".predicates[" + j + "]";
			predicate.getArgs().values().forEach(value -> names.addAll(names(value, predicateKey)));
			if (names.isEmpty()) {
				throw new IllegalStateException(predicateKey
						+ " 'Model' needs the model names the route claims, e.g. Model=my-model,my-model-fast");
			}
			claimed.addAll(names);
		}
		if (!claimed.isEmpty()) {
			for (String name : virtualModels) {
				if (!claimed.contains(name)) {
					throw new IllegalStateException(key + ".metadata.virtual-models." + name
							+ " is not listed in the route's Model predicate, so requests for it would go to"
							+ " another route: add it, e.g. Model=" + String.join(",", claimed) + "," + name);
				}
			}
		}
		return List.copyOf(claimed);
	}

	private static void validateUri(@Nullable URI uri, String key) {
		if (uri == null) {
			throw new IllegalStateException(key + " is missing: every route needs the URL of its upstream");
		}
		String scheme = uri.getScheme();
		if (scheme == null || uri.getHost() == null
				&& !scheme.equals("lb") && !scheme.equals("forward") && !scheme.equals("no")) {
			throw new IllegalStateException(key + " '" + uri + "' is not an absolute URL such as https://host/path");
		}
		if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
			throw new IllegalStateException(key + " '" + uri + "' must not carry a query or fragment");
		}
	}

	static RouteSettings parse(String routeId, Map<String, Object> metadata, String key) {
		String userAgent = string(metadata.get("user-agent"));
		String dialectName = string(metadata.get("error-dialect"));
		ErrorDialect dialect;
		try {
			dialect = dialectName == null ? ErrorDialect.OPENAI
					: ErrorDialect.valueOf(dialectName.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(key + ".error-dialect '" + dialectName + "' is not one of "
					+ List.of(ErrorDialect.values()).toString().toLowerCase(Locale.ROOT));
		}
		String ownedBy = string(metadata.get("owned-by"));
		List<String> models = names(metadata.get("models"), key + ".models");
		Map<String, VirtualModel> virtualModels = new LinkedHashMap<>();
		Object virtual = metadata.get("virtual-models");
		if (virtual != null) {
			if (!(virtual instanceof Map<?, ?> map)) {
				throw new IllegalStateException(key + ".virtual-models must be a map of model name to its settings");
			}
			map.forEach((name, value) -> {
				VirtualModel model = virtualModel(String.valueOf(name), value, key + ".virtual-models." + name);
				virtualModels.put(model.name(), model);
			});
		}
		return new RouteSettings(routeId, userAgent == null || userAgent.isBlank() ? null : userAgent, dialect,
				ownedBy == null ? "kimicode2api" : ownedBy, models, Collections.unmodifiableMap(virtualModels), List.of());
	}

	private static VirtualModel virtualModel(String name, Object value, String key) {
		if (!(value instanceof Map<?, ?> settings)) {
			throw new IllegalStateException(key + " must be a map with at least 'model'");
		}
		String model = string(settings.get("model"));
		if (model == null || model.isBlank()) {
			throw new IllegalStateException(key + ".model is missing: name the real upstream model");
		}
		Map<String, String> set = new LinkedHashMap<>();
		Object fields = settings.get("set");
		if (fields != null) {
			if (!(fields instanceof Map<?, ?> fieldMap)) {
				throw new IllegalStateException(key + ".set must be a map of field name to JSON value");
			}
			fieldMap.forEach((field, json) -> set.put(String.valueOf(field),
					jsonText(json, key + ".set." + field)));
		}
		Integer budget = null;
		Object budgetValue = settings.get("thinking-budget-tokens");
		if (budgetValue != null) {
			try {
				budget = Integer.valueOf(String.valueOf(budgetValue).trim());
			}
			catch (NumberFormatException ex) {
				budget = -1;
			}
			if (budget < 1) {
				throw new IllegalStateException(key + ".thinking-budget-tokens '" + budgetValue
						+ "' must be a positive whole number of tokens");
			}
			if (set.containsKey("thinking")) {
				throw new IllegalStateException(key + " has both thinking-budget-tokens and set.thinking: keep one");
			}
		}
		Object inline = settings.get("reasoning-inline");
		if (inline != null && !List.of("true", "false").contains(String.valueOf(inline).trim())) {
			throw new IllegalStateException(key + ".reasoning-inline '" + inline + "' must be true or false");
		}
		return new VirtualModel(name, model, set, budget, inline != null && Boolean.parseBoolean(String.valueOf(inline).trim()));
	}

	/** A {@code set} value is JSON text ("true", "{\"type\":\"enabled\"}"); it is checked and normalised here. */
	private static String jsonText(Object value, String key) {
		if (value instanceof Map || value instanceof Collection) {
			throw new IllegalStateException(key + " must be JSON text in a string, e.g. '{\"type\":\"enabled\"}'");
		}
		try {
			return JSON.writeValueAsString(JSON.readTree(String.valueOf(value)));
		}
		catch (JacksonException ex) {
			throw new IllegalStateException(key + " '" + value + "' is not valid JSON (quote strings: '\"text\"')");
		}
	}

	private static List<String> names(@Nullable Object value, String key) {
		if (value == null) {
			return List.of();
		}
		List<String> names = new ArrayList<>();
		if (value instanceof Map<?, ?> indexed) { // a YAML list bound into a Map<String, Object>: {"0": a, "1": b}
			indexed.values().forEach(v -> names.add(String.valueOf(v).trim()));
		}
		else if (value instanceof Collection<?> list) {
			list.forEach(v -> names.add(String.valueOf(v).trim()));
		}
		else {
			for (String name : String.valueOf(value).split(",")) {
				names.add(name.trim());
			}
		}
		if (names.stream().anyMatch(String::isEmpty)) {
			throw new IllegalStateException(key + " has an empty model name");
		}
		return List.copyOf(names);
	}

	private static @Nullable String string(@Nullable Object value) {
		return value == null ? null : String.valueOf(value);
	}

}
