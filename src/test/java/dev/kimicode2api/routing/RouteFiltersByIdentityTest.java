package dev.kimicode2api.routing;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/** A route's filters merged once per route instance, run in order, and merged anew for the route a refresh makes. */
class RouteFiltersByIdentityTest {

	private final List<String> ran = new ArrayList<>();

	/** A global filter between the route filters of order -1 and 1. */
	private final GlobalFilter global = new Global();

	private final class Global implements GlobalFilter, Ordered {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			ran.add("global");
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			return 0;
		}

	}

	private Route route(String filterName, int order) {
		GatewayFilter own = new OrderedGatewayFilter((exchange, chain) -> {
			ran.add(filterName);
			return chain.filter(exchange);
		}, order);
		return Route.async()
			.id("kimi-chat")
			.uri(URI.create("http://upstream.test"))
			.predicate(exchange -> true)
			.filters(own)
			.metadata(Map.of("models", List.of(Map.of("id", "kimi-for-coding"))))
			.build();
	}

	private void handle(RouteFiltersByIdentity handler, Route route) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
		handler.handle(exchange).block();
	}

	@Test
	void aRoutesFiltersAreMergedOnceAndRunInOrder() {
		RouteFiltersByIdentity handler = new RouteFiltersByIdentity(List.of(global), true);
		Route route = route("first", -1);

		handle(handler, route);
		handle(handler, route);

		assertThat(ran).containsExactly("first", "global", "first", "global");
		assertThat(handler.getCombinedFilters(route)).isSameAs(handler.getCombinedFilters(route));
		assertThat(handler).hasToString("RouteFiltersByIdentity[1 routes' filters merged]");
	}

	/** A refresh builds new route objects with the same id: the new route's filters run, not the old one's. */
	@Test
	void aNewRouteWithTheSameIdIsMergedAnew() {
		RouteFiltersByIdentity handler = new RouteFiltersByIdentity(List.of(global), true);
		Route before = route("before", 1);
		handle(handler, before);
		Route after = route("after", 1);
		assertThat(after.getId()).isEqualTo(before.getId());

		handle(handler, after);

		assertThat(ran).containsExactly("global", "before", "global", "after");
		assertThat(handler.getCombinedFilters(after)).isNotSameAs(handler.getCombinedFilters(before));
	}

	@Test
	void aRefreshForgetsEveryMergedRoute() {
		RouteFiltersByIdentity handler = new RouteFiltersByIdentity(List.of(global), true);
		handle(handler, route("first", 1));

		handler.onApplicationEvent(new RefreshRoutesEvent(this));

		assertThat(handler).hasToString("RouteFiltersByIdentity[0 routes' filters merged]");
	}

	/** {@code route-filter-cache-enabled: false}: merged on every request, as Spring Cloud Gateway does then. */
	@Test
	void withTheCacheOffEveryRequestMerges() {
		RouteFiltersByIdentity handler = new RouteFiltersByIdentity(List.of(global), false);
		Route route = route("first", 1);

		handle(handler, route);

		assertThat(ran).containsExactly("global", "first");
		assertThat(handler.getCombinedFilters(route)).isNotSameAs(handler.getCombinedFilters(route))
			.isEqualTo(handler.getCombinedFilters(route));
		assertThat(handler).hasToString("RouteFiltersByIdentity[no cache]");
	}

}
