package dev.kimicode2api.agent;


import org.springframework.cloud.gateway.route.Route;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.web.RequestRecord;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Records a repair: {@code kimicode2api_repairs_total{route,kind}} and the access line's {@code repairs}. Kinds:
 * {@code schema_type}, {@code empty_tool_content}, {@code reasoning_remembered}, {@code reasoning_think_tag},
 * {@code reasoning_placeholder}.
 */
final class Repairs {

	static final String SCHEMA_TYPE = "schema_type";

	static final String EMPTY_TOOL_CONTENT = "empty_tool_content";

	static final String REASONING_REMEMBERED = "reasoning_remembered";

	static final String REASONING_THINK_TAG = "reasoning_think_tag";

	static final String REASONING_PLACEHOLDER = "reasoning_placeholder";

	private Repairs() {
	}

	static void count(ServerWebExchange exchange, GatewayMetrics metrics, String kind, int count) {
		if (count == 0) {
			return;
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		metrics.repaired(route == null ? "none" : route.getId(), kind, count);
		RequestRecord.of(exchange).repaired(kind, count);
	}

}
