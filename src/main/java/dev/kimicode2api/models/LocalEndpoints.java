package dev.kimicode2api.models;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;

/**
 * The two endpoints the gateway answers itself: {@code GET /} and the OpenAI model list. The list is a label for
 * client UIs, built from every route's {@code models} and {@code virtual-models}; it allows nothing and forbids
 * nothing.
 */
@Configuration(proxyBeanMethods = false)
public class LocalEndpoints {

	@Bean
	RouterFunction<ServerResponse> localRoutes(RouteSettingsRegistry registry) {
		long created = Instant.now().getEpochSecond();
		Map<String, Map<String, Object>> models = new LinkedHashMap<>();
		for (RouteSettings route : registry.configured()) {
			for (String id : route.modelNames()) {
				models.putIfAbsent(id, Map.of("id", id, "object", "model", "created", created, "owned_by",
						route.ownedBy()));
			}
		}
		Map<String, Object> list = Map.of("object", "list", "data", List.copyOf(new ArrayList<>(models.values())));
		return RouterFunctions.route()
			.GET("/", request -> ServerResponse.ok().bodyValue(Map.of("status", "running")))
			.GET("/v1/models", request -> ServerResponse.ok().bodyValue(list))
			.GET("/v1/models/{id}", request -> {
				Map<String, Object> model = models.get(request.pathVariable("id"));
				return model != null ? ServerResponse.ok().bodyValue(model)
						: Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND,
								"The model '" + request.pathVariable("id") + "' is not listed by this gateway"));
			})
			.route(RequestPredicates.path("/").or(RequestPredicates.path("/v1/models/**")),
					request -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(HttpMethod.GET))))
			.build();
	}

}
