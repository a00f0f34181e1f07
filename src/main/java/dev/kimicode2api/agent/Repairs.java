package dev.kimicode2api.agent;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.wire.RequestContext;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Records a repair: {@code kimicode2api_repairs_total{route,kind}} and the access line's {@code repairs}. Each kind is
 * one adaptation, switched in the route's YAML (README, "Kimi For Coding today").
 */
final class Repairs {

	static final String SCHEMA_TYPE = "schema_type";

	static final String SCHEMA_ANY_OF_TYPE = "schema_any_of_type";

	static final String SCHEMA_EMPTY_ENUM = "schema_empty_enum";

	static final String EMPTY_TOOL_CONTENT = "empty_tool_content";

	static final String REASONING_REMEMBERED = "reasoning_remembered";

	static final String REASONING_THINK_TAG = "reasoning_think_tag";

	static final String REASONING_PLACEHOLDER = "reasoning_placeholder";

	static final String THINKING_OFF_DROPPED = "thinking_off_dropped";

	static final String DEVELOPER_ROLE = "developer_role";

	static final String EFFORT_MAPPED = "effort_mapped";

	static final String EFFORT_THINKING_OFF = "effort_thinking_off";

	/** Followed by the field: {@code sampling_temperature}, {@code sampling_top_p}, {@code sampling_logprobs}, … */
	static final String SAMPLING = "sampling_";

	static final String TOOL_CHOICE_REQUIRED = "tool_choice_required";

	static final String TOOL_CHOICE_NAMED = "tool_choice_named";

	static final String MAX_TOKENS_HEADROOM = "max_tokens_headroom";

	static final String USAGE_CHUNK = "usage_chunk";

	private Repairs() {
	}

	static void count(ServerWebExchange exchange, GatewayMetrics metrics, String kind, int count) {
		if (count == 0) {
			return;
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		metrics.repaired(route == null ? "none" : route.getId(), kind, count);
		RequestContext.of(exchange).repaired(kind, count);
	}

}
