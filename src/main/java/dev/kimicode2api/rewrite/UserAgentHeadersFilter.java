package dev.kimicode2api.rewrite;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;

/**
 * Sets the route's {@code user-agent} on the upstream request, whatever the client sent; no setting, no change. One
 * of the header filters Spring Cloud Gateway applies when it builds the upstream request, and the last of them: the
 * hop-by-hop filter before it has just copied the request's headers for this call, so the header is set on that copy
 * instead of on a copy of its own (a mutated request would copy every header once more).
 */
@Component
public class UserAgentHeadersFilter implements HttpHeadersFilter, Ordered {

	private final RouteSettingsRegistry registry;

	public UserAgentHeadersFilter(RouteSettingsRegistry registry) {
		this.registry = registry;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		RouteSettings settings = registry.forExchange(exchange);
		if (settings == null || settings.userAgent() == null) {
			return input;
		}
		HttpHeaders headers = input;
		if (input == exchange.getRequest().getHeaders()) {
			// No header filter before this one copied them (the hop-by-hop filter's order set after this one's):
			// never write into the client's request.
			headers = new HttpHeaders();
			headers.addAll(input);
		}
		headers.set(HttpHeaders.USER_AGENT, settings.userAgent());
		return headers;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public String toString() {
		return "UserAgentHeadersFilter[route metadata 'user-agent']";
	}

}
