package dev.kimicode2api.agent;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.rewrite.ChatRequestRepair;

/**
 * {@code - KimiRepairs}: requests that work with other OpenAI-compatible upstreams but that Kimi refuses, repaired on
 * the way. Each repair is switched in the route's YAML ({@code schema-types}, {@code empty-tool-call-content}) and
 * counted in {@code kimicode2api_repairs_total}. Only the elements it changes are re-written; a request that needs
 * no repair goes upstream as the very same bytes, and its {@code messages} are not even parsed unless they carry
 * tool calls.
 */
@Component
public class KimiRepairsGatewayFilterFactory extends AbstractGatewayFilterFactory<KimiRepairsGatewayFilterFactory.Config> {

	private final GatewayMetrics metrics;

	public KimiRepairsGatewayFilterFactory(GatewayMetrics metrics) {
		super(Config.class);
		this.metrics = metrics;
	}

	@Override
	public GatewayFilter apply(Config config) {
		return new Filter(config.isSchemaTypes(), config.isEmptyToolCallContent());
	}

	public static class Config {

		/** Fill a missing {@code type} in tool parameter schemas (Kimi: "type is not defined"). */
		private boolean schemaTypes = true;

		/** Drop an empty {@code content} from assistant tool-call messages (Kimi: "text content is empty"). */
		private boolean emptyToolCallContent = true;

		public boolean isSchemaTypes() {
			return schemaTypes;
		}

		public Config setSchemaTypes(boolean schemaTypes) {
			this.schemaTypes = schemaTypes;
			return this;
		}

		public boolean isEmptyToolCallContent() {
			return emptyToolCallContent;
		}

		public Config setEmptyToolCallContent(boolean emptyToolCallContent) {
			this.emptyToolCallContent = emptyToolCallContent;
			return this;
		}

	}

	private final class Filter implements GatewayFilter, Ordered, ChatRequestRepair {

		private final boolean schemaTypes;

		private final boolean emptyToolCallContent;

		Filter(boolean schemaTypes, boolean emptyToolCallContent) {
			this.schemaTypes = schemaTypes;
			this.emptyToolCallContent = emptyToolCallContent;
		}

		@Override
		public Mono<Void> repair(ServerWebExchange exchange, ChatRequest request) {
			if (schemaTypes && request.mentions("tools", "parameters")) {
				int filled = 0;
				for (ChatRequest.Element tool : request.elements("tools")) {
					int here = SchemaTypes.fill(tool.node().path("function").path("parameters"));
					if (here > 0) {
						tool.changed();
						filled += here;
					}
				}
				Repairs.count(exchange, metrics, Repairs.SCHEMA_TYPE, filled);
			}
			if (emptyToolCallContent && request.mentions("messages", "tool_calls")) {
				int dropped = 0;
				for (ChatRequest.Element element : request.elements("messages")) {
					if (element.mentions("tool_calls") && element.node() instanceof ObjectNode message
							&& dropEmptyContent(message)) {
						element.changed();
						dropped++;
					}
				}
				Repairs.count(exchange, metrics, Repairs.EMPTY_TOOL_CONTENT, dropped);
			}
			return Mono.empty();
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			return FilterOrder.KIMI_REPAIRS;
		}

		@Override
		public String toString() {
			List<String> on = new ArrayList<>();
			if (schemaTypes) {
				on.add("schema-types");
			}
			if (emptyToolCallContent) {
				on.add("empty-tool-call-content");
			}
			return "KimiRepairs" + on;
		}

	}

	/**
	 * An assistant tool-call message whose content says nothing ({@code ""}, blanks, {@code []}, only empty text
	 * parts) loses its {@code content}: Kimi refuses it, and accepts the message without it (as Kimi's CLI sends it).
	 */
	static boolean dropEmptyContent(ObjectNode message) {
		JsonNode content = message.get("content");
		if (!"assistant".equals(message.path("role").asString(null)) || content == null
				|| !message.path("tool_calls").isArray() || message.path("tool_calls").isEmpty()) {
			return false;
		}
		boolean empty;
		if (content.isString()) {
			empty = content.asString().isBlank();
		}
		else if (content.isArray()) {
			empty = true;
			for (JsonNode part : content) {
				empty &= "text".equals(part.path("type").asString(null)) && part.path("text").asString("").isBlank();
			}
		}
		else {
			empty = false;
		}
		if (empty) {
			message.remove("content");
		}
		return empty;
	}

}
