package dev.kimicode2api.rewrite;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;

/** Sets the route's {@code user-agent} on the upstream request, whatever the client sent; no setting, no change. */
@Component
public class UserAgentGlobalFilter implements GlobalFilter, Ordered {

	private final RouteSettingsRegistry registry;

	public UserAgentGlobalFilter(RouteSettingsRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		RouteSettings settings = registry.forExchange(exchange);
		if (settings == null || settings.userAgent() == null) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate()
			.request(request -> request.headers(headers -> headers.set(HttpHeaders.USER_AGENT, settings.userAgent())))
			.build());
	}

	@Override
	public int getOrder() {
		return FilterOrder.USER_AGENT;
	}

	@Override
	public String toString() {
		return "UserAgentGlobalFilter[route metadata 'user-agent']";
	}

}
