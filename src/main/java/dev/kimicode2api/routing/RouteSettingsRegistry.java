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

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.NameUtils;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.wire.ErrorDialect;
import dev.kimicode2api.wire.Json;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Reads kimicode2api's per-route settings from route metadata. Every route configured in YAML is checked at start-up,
 * so a typo fails the boot with the offending key named instead of failing the first request.
 */
@Component
public class RouteSettingsRegistry {

	static final String PREFIX = "spring.cloud.gateway.server.webflux.routes";

	private final Map<String, RouteSettings> byRouteId = new ConcurrentHashMap<>();

	private final List<RouteSettings> configured;

	public RouteSettingsRegistry(GatewayProperties gateway) {
		List<RouteSettings> all = new ArrayList<>();
		List<RouteDefinition> routes = gateway.getRoutes();
		for (int i = 0; i < routes.size(); i++) {
			RouteDefinition route = routes.get(i);
			String key = PREFIX + "[" + i + "]";
			validateUri(route.getUri(), key + ".uri");
			RouteSettings parsed = parse(route.getId(), route.getUri(), route.getMetadata(), key + ".metadata");
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

	/** A number, or empty to leave that setting alone. */
	private static final Arg NUMBER = new Arg(v -> v.isEmpty() || v.matches("-?\\d+(\\.\\d+)?"),
			"a number, or empty to leave it alone");

	/** The arguments each of this gateway's route filters takes, the shortcut form's first one first. */
	private static final Map<String, Map<String, Arg>> OWN_FILTERS = Map.of(
			"ReasoningMemory", Map.of("placeholder", new Arg(v -> !v.isBlank(),
					"a non-empty text (Kimi refuses an empty reasoning_content)")),
			"KimiRepairs", Map.ofEntries(Map.entry("schema-types", BOOLEAN),
					Map.entry("schema-any-of-type", BOOLEAN), Map.entry("schema-empty-enum", BOOLEAN),
					Map.entry("empty-tool-call-content", BOOLEAN),
					Map.entry("thinking-off-switch", BOOLEAN), Map.entry("developer-role", BOOLEAN),
					Map.entry("effort", BOOLEAN), Map.entry("sampling", BOOLEAN), Map.entry("thinking-temperature", NUMBER),
					Map.entry("thinking-top-p", NUMBER), Map.entry("thinking-presence-penalty", NUMBER),
					Map.entry("thinking-frequency-penalty", NUMBER), Map.entry("forced-tool-choice", BOOLEAN),
					Map.entry("thinking-headroom-tokens", new Arg(v -> v.matches("\\d{1,7}"),
							"a whole number of tokens (0 adds none)")),
					Map.entry("stream-usage", BOOLEAN)),
			"ResponsesBridge", Map.of("chat-path", new Arg(RouteSettingsRegistry::isPath,
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
				id -> parse(id, route.getUri(), route.getMetadata(), PREFIX + "[" + id + "].metadata"));
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

	static RouteSettings parse(String routeId, @Nullable URI uri, Map<String, Object> metadata, String key) {
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
		Map<String, ModelCapabilities> declared = declaredModels(metadata.get("models"), key + ".models");
		List<String> models = declared.isEmpty() ? names(metadata.get("models"), key + ".models")
				: declared.values().stream().filter(ModelCapabilities::listed).map(ModelCapabilities::id).toList();
		RouteSettings.Catalogue catalogue = catalogue(uri, metadata.get("catalogue"), key + ".catalogue");
		String thinkingOn = metadata.get("thinking-on") == null ? null
				: jsonText(metadata.get("thinking-on"), key + ".thinking-on");
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
				ownedBy == null ? "kimicode2api" : ownedBy, models, declared, catalogue, thinkingOn,
				Collections.unmodifiableMap(virtualModels), List.of());
	}

	/** The keys a declared model takes, and what each must be. */
	private static final Map<String, String> MODEL_KEYS = Map.of("display-name", "a text", "context-length",
			"a positive whole number of tokens", "thinking", "only, both or no", "efforts",
			"a list of effort names such as low, high, max", "default-effort", "one of the model's efforts", "listed",
			"true or false");

	/**
	 * {@code models} as a map of model id to what it accepts ({@code models: {k3: {thinking: both, ...}}}); empty
	 * for the older forms (a name, a comma-separated list, a YAML list), which declare names only.
	 */
	private static Map<String, ModelCapabilities> declaredModels(@Nullable Object value, String key) {
		if (!(value instanceof Map<?, ?> map) || map.isEmpty() || map.keySet().stream()
			.allMatch(k -> String.valueOf(k).chars().allMatch(Character::isDigit))) {
			return Map.of(); // a YAML list is bound as {"0": a, "1": b}
		}
		Map<String, ModelCapabilities> declared = new LinkedHashMap<>();
		map.forEach((name, settings) -> {
			String id = String.valueOf(name).trim();
			String at = key + "." + id;
			if (id.isEmpty()) {
				throw new IllegalStateException(key + " has an empty model name");
			}
			Map<?, ?> fields = settings == null || "".equals(settings) ? Map.of() : settings instanceof Map<?, ?> m ? m
					: null;
			if (fields == null) {
				throw new IllegalStateException(at + " must be a map of what the model accepts (" + MODEL_KEYS.keySet()
						+ "), or empty");
			}
			for (Object field : fields.keySet()) {
				if (!MODEL_KEYS.containsKey(String.valueOf(field))) {
					throw new IllegalStateException(at + "." + field + " is not a model setting; it takes "
							+ new java.util.TreeSet<>(MODEL_KEYS.keySet()));
				}
			}
			ModelCapabilities.Thinking thinking;
			String thinkingText = string(fields.get("thinking"));
			try {
				thinking = thinkingText == null ? ModelCapabilities.Thinking.NO
						: ModelCapabilities.Thinking.parse(thinkingText);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalStateException(at + ".thinking '" + thinkingText + "' must be " + MODEL_KEYS.get("thinking"));
			}
			List<String> efforts = names(fields.get("efforts"), at + ".efforts");
			String defaultEffort = string(fields.get("default-effort"));
			if (defaultEffort != null && !efforts.contains(defaultEffort.trim())) {
				throw new IllegalStateException(at + ".default-effort '" + defaultEffort + "' must be one of "
						+ at + ".efforts " + efforts);
			}
			Long context = null;
			if (fields.get("context-length") != null) {
				try {
					context = Long.valueOf(String.valueOf(fields.get("context-length")).trim());
				}
				catch (NumberFormatException ex) {
					context = -1L;
				}
				if (context < 1) {
					throw new IllegalStateException(at + ".context-length '" + fields.get("context-length") + "' must be "
							+ MODEL_KEYS.get("context-length"));
				}
			}
			Object listed = fields.get("listed");
			if (listed != null && !BOOLEAN.valid().test(String.valueOf(listed).trim())) {
				throw new IllegalStateException(at + ".listed '" + listed + "' must be true or false");
			}
			String displayName = string(fields.get("display-name"));
			String effort = defaultEffort == null ? null : defaultEffort.trim();
			declared.put(id, new ModelCapabilities(id, thinking, efforts, effort, context,
					listed == null || Boolean.parseBoolean(String.valueOf(listed).trim()),
					ModelCapabilities.entryOf(id, displayName, context, thinking, efforts, effort)));
		});
		return Collections.unmodifiableMap(declared);
	}

	private static final Map<String, String> CATALOGUE_DEFAULTS = Map.of("path", "/v1/models", "refresh", "10m",
			"wait", "300ms", "timeout", "5s");

	/** {@code catalogue: {path, refresh, wait, timeout}}; {@code null} when the route has none. */
	private static RouteSettings.@Nullable Catalogue catalogue(@Nullable URI uri, @Nullable Object value, String key) {
		if (value == null) {
			return null;
		}
		if (uri == null || !List.of("http", "https").contains(String.valueOf(uri.getScheme()))) {
			throw new IllegalStateException(key + " needs a route uri of http or https, not '" + uri + "'");
		}
		if (!(value instanceof Map<?, ?> map)) {
			throw new IllegalStateException(key + " must be a map with " + new java.util.TreeSet<>(CATALOGUE_DEFAULTS.keySet()));
		}
		Map<String, String> settings = new LinkedHashMap<>(CATALOGUE_DEFAULTS);
		map.forEach((name, setting) -> {
			if (!CATALOGUE_DEFAULTS.containsKey(String.valueOf(name))) {
				throw new IllegalStateException(key + "." + name + " is not a catalogue setting; it takes "
						+ new java.util.TreeSet<>(CATALOGUE_DEFAULTS.keySet()));
			}
			settings.put(String.valueOf(name), String.valueOf(setting).trim());
		});
		if (!isPath(settings.get("path"))) {
			throw new IllegalStateException(key + ".path '" + settings.get("path") + "' must be a path such as /v1/models");
		}
		return new RouteSettings.Catalogue(URI.create(uri.getScheme() + "://" + uri.getRawAuthority()
				+ UpstreamBasePathGlobalFilter.basePath(uri) + settings.get("path")), duration(settings.get("refresh"), key + ".refresh"),
				duration(settings.get("wait"), key + ".wait"), duration(settings.get("timeout"), key + ".timeout"));
	}

	private static java.time.Duration duration(String value, String key) {
		try {
			java.time.Duration duration = org.springframework.boot.convert.DurationStyle.detectAndParse(value);
			if (!duration.isNegative()) {
				return duration;
			}
		}
		catch (IllegalArgumentException ex) {
			// named below
		}
		throw new IllegalStateException(key + " '" + value + "' must be a duration such as 300ms, 5s or 10m");
	}

	/** A path that can be put in a URI as it is: it starts with a slash and has no query, fragment or space. */
	public static boolean isPath(@Nullable String path) {
		try {
			return path != null && path.startsWith("/")
					&& path.equals(java.net.URI.create("http://host" + path).getRawPath());
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
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
			return Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(String.valueOf(value)));
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
