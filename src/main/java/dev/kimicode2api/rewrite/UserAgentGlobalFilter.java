package dev.kimicode2api.rewrite;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/** Sets the route's {@code user-agent} on the upstream request, whatever the client sent; no setting, no change. */
@Component
public class UserAgentGlobalFilter implements GlobalFilter, Ordered {

	private final RouteSettingsRegistry registry;

	public UserAgentGlobalFilter(RouteSettingsRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		RouteSettings settings = route == null ? null : registry.forRoute(route);
		if (settings == null || settings.userAgent() == null) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate()
			.request(request -> request.headers(headers -> headers.set(HttpHeaders.USER_AGENT, settings.userAgent())))
			.build());
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 100;
	}

	@Override
	public String toString() {
		return "UserAgentGlobalFilter[route metadata 'user-agent']";
	}

}
