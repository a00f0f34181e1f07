package dev.kimicode2api.routing;

import java.util.Locale;

import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.kimicode2api.FilterOrder;

/**
 * A route is a boundary: the upstream gets the client's raw path appended to the route's base path, so a path that
 * an upstream might normalise differently from the gateway ({@code ..}, {@code %2e%2e}, {@code %2f}, a backslash,
 * {@code ;params}, an empty segment) is refused before any route is matched.
 */
@Component
@Order(FilterOrder.PATH_BOUNDARY)
public class PathBoundaryWebFilter implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String rawPath = exchange.getRequest().getURI().getRawPath();
		if (!isSafe(rawPath)) {
			return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"Invalid request path: dot segments, encoded slashes or dots, backslashes, ';' and empty segments are not allowed"));
		}
		return chain.filter(exchange);
	}

	static boolean isSafe(String rawPath) {
		if (rawPath == null || rawPath.isEmpty()) {
			return true;
		}
		String lower = rawPath.toLowerCase(Locale.ROOT);
		if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%25")
				|| lower.contains("\\") || lower.contains(";") || lower.contains("//")) {
			return false;
		}
		for (String segment : rawPath.split("/", -1)) {
			if (segment.equals(".") || segment.equals("..")) {
				return false;
			}
		}
		return true;
	}

}
