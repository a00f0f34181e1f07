package dev.kimicode2api.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.KimicodeProperties;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.TopLevelJson;

/**
 * {@code - Model} matches a request whose JSON body names one of the route's models, so several upstreams can share
 * {@code /v1/chat/completions} and the client's {@code model} picks one: {@code - Model=a,b}. Those names are listed
 * in {@code /v1/models} with the route's other models; start-up checks that they cover its virtual models.
 * A body that cannot be read or parsed matches no {@code Model} route, so it reaches the default route, whose
 * rewrite answers with the proper 4xx.
 */
@Component
public class ModelRoutePredicateFactory extends AbstractRoutePredicateFactory<ModelRoutePredicateFactory.Config> {

	public static final String NAME = "Model";

	private static final String MODEL = ModelRoutePredicateFactory.class.getName() + ".model";

	private final long maxRequestBytes;

	public ModelRoutePredicateFactory(KimicodeProperties properties) {
		super(Config.class);
		this.maxRequestBytes = properties.maxRequestSize().toBytes();
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("models");
	}

	@Override
	public ShortcutType shortcutType() {
		return ShortcutType.GATHER_LIST;
	}

	@Override
	public AsyncPredicate<ServerWebExchange> applyAsync(Config config) {
		List<String> models = List.copyOf(config.getModels());
		return new AsyncPredicate<>() {
			@Override
			public Mono<Boolean> apply(ServerWebExchange exchange) {
				return CachedRequestBody.read(exchange, maxRequestBytes)
					.map(body -> models.contains(modelOf(exchange, body)))
					.onErrorReturn(false);
			}

			@Override
			public Object getConfig() {
				return config;
			}

			@Override
			public String toString() {
				return "Model: " + models;
			}
		};
	}

	@Override
	public Predicate<ServerWebExchange> apply(Config config) {
		throw new UnsupportedOperationException("Model reads the request body, so it is only async");
	}

	/** The body's model, parsed once per exchange however many Model routes ask. */
	private static @Nullable String modelOf(ServerWebExchange exchange, byte[] body) {
		Optional<String> model = exchange.getAttribute(MODEL);
		if (model == null) {
			try {
				model = Optional.ofNullable(TopLevelJson.parse(body).model());
			}
			catch (InvalidBodyException ex) {
				model = Optional.empty();
			}
			exchange.getAttributes().put(MODEL, model);
		}
		return model.orElse(null);
	}

	public static class Config {

		private List<String> models = new ArrayList<>();

		public List<String> getModels() {
			return models;
		}

		public Config setModels(List<String> models) {
			this.models = models;
			return this;
		}

		@Override
		public String toString() {
			return "Model" + models;
		}

	}

}
