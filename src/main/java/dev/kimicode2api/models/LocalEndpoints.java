package dev.kimicode2api.models;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;

import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.routing.VirtualModel;

/**
 * The two endpoints the gateway answers itself: {@code GET /} and the OpenAI model list. The list is what the
 * upstreams offer the asking key: each route's live catalogue where it has one (its capability fields passed through,
 * {@code context_length} and {@code display_name} among them), else the models its YAML declares; then its virtual
 * models and the thinking models derived from its models. It is a label for client UIs: it allows nothing and forbids
 * nothing (any model name is forwarded).
 */
@Configuration(proxyBeanMethods = false)
public class LocalEndpoints {

	@Bean
	RouterFunction<ServerResponse> localRoutes(RouteSettingsRegistry registry, ModelCatalogue catalogue) {
		ModelList models = new ModelList(registry, catalogue, Instant.now().getEpochSecond());
		return RouterFunctions.route()
			.GET("/", request -> ServerResponse.ok().bodyValue(Map.of("status", "running")))
			.GET("/v1/models", request -> models.list(request.headers().asHttpHeaders())
				.flatMap(list -> ServerResponse.ok().bodyValue(Map.of("object", "list", "data", list))))
			.GET("/v1/models/{id}", request -> models.list(request.headers().asHttpHeaders()).flatMap(list -> {
				String id = request.pathVariable("id");
				return list.stream().filter(model -> id.equals(model.get("id"))).findFirst()
					.map(model -> ServerResponse.ok().bodyValue(model))
					.orElseGet(() -> Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND,
							"The model '" + id + "' is not listed by this gateway")));
			}))
			.route(RequestPredicates.path("/").or(RequestPredicates.path("/v1/models/**")),
					request -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(HttpMethod.GET))))
			.build();
	}

	/** Every route's models for one key, in route order, each id once. */
	record ModelList(RouteSettingsRegistry registry, ModelCatalogue catalogue, long created) {

		Mono<List<Map<String, Object>>> list(HttpHeaders headers) {
			return Flux.fromIterable(registry.configured())
				.filter(RouteSettings::hasModels)
				.concatMap(route -> route.catalogue() == null ? Mono.just(entries(route, Map.of()))
						: catalogue.models(route, headers, route.catalogue().timeout()).map(live -> entries(route, live)))
				.collect(LinkedHashMap<Object, Map<String, Object>>::new, (byId, entries) -> entries
					.forEach(entry -> byId.putIfAbsent(entry.get("id"), entry)))
				.map(byId -> List.copyOf(byId.values()));
		}

		/** A route's entries: its models (the live catalogue wins), virtual models, derived thinking models, claimed. */
		private List<Map<String, Object>> entries(RouteSettings route, Map<String, ModelCapabilities> live) {
			Map<String, ModelCapabilities> known = live.isEmpty() ? route.declared() : live;
			List<Map<String, Object>> entries = new ArrayList<>();
			known.values().stream().filter(ModelCapabilities::listed)
				.forEach(model -> entries.add(entry(route, model.id(), model.entry(), null)));
			if (known.isEmpty()) {
				route.models().forEach(id -> entries.add(entry(route, id, Map.of(), null)));
			}
			List<String> virtual = new ArrayList<>(route.virtualModels().keySet());
			route.derivedNames(known).stream().filter(name -> !virtual.contains(name)).forEach(virtual::add);
			for (String name : virtual) {
				VirtualModel model = route.virtualModel(name, known);
				ModelCapabilities base = model == null ? null : route.capabilities(model.model(), known);
				boolean thinks = model != null && (model.set().containsKey("thinking") || model.thinkingBudgetTokens() != null);
				entries.add(entry(route, name, base == null ? Map.of() : base.entry(),
						!thinks ? null : model.reasoningInline() ? " (thinking, inline)" : " (thinking)"));
			}
			route.claimedModels().forEach(id -> entries.add(entry(route, id, Map.of(), null)));
			return entries;
		}

		/**
		 * One list entry: the upstream's (or declared) fields as they are, under {@code id}, with the fields every
		 * OpenAI client reads; a thinking virtual model says it always thinks.
		 */
		private Map<String, Object> entry(RouteSettings route, String id, Map<String, Object> fields,
				@org.jspecify.annotations.Nullable String thinkingLabel) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("id", id);
			entry.put("object", "model");
			entry.put("created", created);
			entry.put("owned_by", route.ownedBy());
			fields.forEach((name, value) -> {
				if (!name.equals("id")) {
					entry.put(name, value);
				}
			});
			if (thinkingLabel != null) {
				entry.put("display_name", (fields.get("display_name") instanceof String name ? name : id) + thinkingLabel);
				entry.put("supports_thinking_type", "only");
			}
			return entry;
		}

	}

}
