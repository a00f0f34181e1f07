package dev.kimicode2api.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * One line per request: method, path, route, model, stream, status, duration. Built from names the gateway chose
 * and never from headers or bodies, so no Authorization value, key or prompt can reach the log.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class AccessLogWebFilter implements WebFilter {

	private static final Logger log = LoggerFactory.getLogger("kimicode2api.access");

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!log.isInfoEnabled()) {
			return chain.filter(exchange);
		}
		long start = System.nanoTime();
		return chain.filter(exchange).doFinally(signal -> {
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
			log.info("{} {} route={} model={} stream={} status={} duration_ms={}{}",
					exchange.getRequest().getMethod(), exchange.getRequest().getPath().value(),
					route == null ? "-" : route.getId(), exchange.getAttributeOrDefault(ExchangeAttributes.MODEL, "-"),
					exchange.getAttributeOrDefault(ExchangeAttributes.STREAM, false),
					status == null ? "-" : status.value(), (System.nanoTime() - start) / 1_000_000,
					signal == reactor.core.publisher.SignalType.CANCEL ? " cancelled=true" : "");
		});
	}

}
