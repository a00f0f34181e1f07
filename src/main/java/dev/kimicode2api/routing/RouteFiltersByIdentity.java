package dev.kimicode2api.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Cloud Gateway's own handler, whose cache of each route's merged and sorted filters
 * ({@code route-filter-cache-enabled}) is looked up by the route's id and identity. The framework's cache is keyed by
 * the {@link Route}, whose {@code hashCode} walks the route's whole metadata (its models, catalogue and virtual
 * models here) on every request: about 2 µs of a thinking request (docs/performance.md, session 13). A route is
 * immutable and a refresh makes new ones, so the same instance is the same route; a new instance is merged anew.
 */
public class RouteFiltersByIdentity extends FilteringWebHandler {

	private record Merged(Route route, List<GatewayFilter> filters) {
	}

	private final boolean cacheEnabled;

	private final Map<String, Merged> merged = new ConcurrentHashMap<>();

	public RouteFiltersByIdentity(List<GlobalFilter> globalFilters, boolean cacheEnabled) {
		super(globalFilters, false); // the framework's own cache stays empty: this class keeps it
		this.cacheEnabled = cacheEnabled;
	}

	@Override
	protected List<GatewayFilter> getCombinedFilters(Route route) {
		if (!cacheEnabled) {
			return getAllFilters(route);
		}
		Merged known = merged.get(route.getId());
		if (known != null && known.route() == route) {
			return known.filters();
		}
		List<GatewayFilter> filters = getAllFilters(route);
		merged.put(route.getId(), new Merged(route, filters));
		return filters;
	}

	@Override
	public void onApplicationEvent(RefreshRoutesEvent event) {
		merged.clear(); // routes that were removed are forgotten too
		super.onApplicationEvent(event);
	}

	@Override
	public String toString() {
		return "RouteFiltersByIdentity[" + (cacheEnabled ? merged.size() + " routes' filters merged" : "no cache") + "]";
	}

	@Configuration(proxyBeanMethods = false)
	static class Registration {

		/** In place of Spring Cloud Gateway's own (it backs off when one is defined). */
		@Bean
		FilteringWebHandler filteringWebHandler(List<GlobalFilter> globalFilters, GatewayProperties properties) {
			return new RouteFiltersByIdentity(globalFilters, properties.isRouteFilterCacheEnabled());
		}

	}

}
