package dev.kimicode2api.routing;

import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

import dev.kimicode2api.FilterOrder;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Keeps the path of a route's {@code uri}: {@code uri: https://api.kimi.com/coding} sends
 * {@code /v1/chat/completions} to {@code /coding/v1/chat/completions}. Spring Cloud Gateway on its own takes only
 * the scheme, host and port of a route's {@code uri}.
 */
@Component
public class UpstreamBasePathGlobalFilter implements GlobalFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		if (route != null && url != null) {
			String basePath = basePath(route.getUri());
			if (!basePath.isEmpty()) {
				URI prefixed = UriComponentsBuilder.fromUri(url)
					.replacePath(basePath + url.getRawPath())
					.build(true)
					.toUri();
				exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, prefixed);
			}
		}
		return chain.filter(exchange);
	}

	/** The route URI's raw path without its trailing slashes: "", "/coding", "/a/b". */
	static String basePath(URI routeUri) {
		String path = routeUri.getRawPath();
		if (path == null) {
			return "";
		}
		int end = path.length();
		while (end > 0 && path.charAt(end - 1) == '/') {
			end--;
		}
		return path.substring(0, end);
	}

	@Override
	public int getOrder() {
		return FilterOrder.UPSTREAM_BASE_PATH;
	}

	@Override
	public String toString() {
		return "UpstreamBasePathGlobalFilter[prefix the route uri's path]";
	}

}
