package dev.kimicode2api.agent;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
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
import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.ErrorDialect;
import dev.kimicode2api.wire.RequestContext;

/**
 * {@code - KimiRepairs}: requests that work with other OpenAI-compatible upstreams but that Kimi refuses or answers
 * worse, adapted on the way, as far as the model needs it (what it accepts comes from the upstream's catalogue or the
 * route's YAML, {@code ChatRequest#capabilities()}). Each adaptation has its switch in the route's YAML and its kind in
 * {@code kimicode2api_repairs_total} and the access line. Only what it changes is re-written; a request that needs
 * nothing goes upstream as the very same bytes, and its {@code messages} are not even parsed unless they carry tool
 * calls or a {@code developer} message. On a route of the Anthropic dialect only what applies to the Messages API
 * runs: the thinking off-switch and the locked sampling.
 */
@Component
public class KimiRepairsGatewayFilterFactory extends AbstractGatewayFilterFactory<KimiRepairsGatewayFilterFactory.Config> {

	private final GatewayMetrics metrics;

	private final RouteSettingsRegistry registry;

	public KimiRepairsGatewayFilterFactory(GatewayMetrics metrics, RouteSettingsRegistry registry) {
		super(Config.class);
		this.metrics = metrics;
		this.registry = registry;
	}

	@Override
	public GatewayFilter apply(Config config) {
		SamplingLock.of(config.getThinkingTemperature(), config.getThinkingTopP(), config.getThinkingPresencePenalty(),
				config.getThinkingFrequencyPenalty()); // a value that is not a number fails the start here
		return new Filter(config);
	}

	/** The route's switches, bound from its YAML ({@code - name: KimiRepairs, args: {…}}); every one is on by default. */
	public static class Config {

		/** Fill a missing {@code type} in tool parameter schemas (Kimi: "type is not defined"). */
		private boolean schemaTypes = true;

		/** Move a {@code type} beside {@code anyOf} into its branches (Kimi: "type should be defined in anyOf items"). */
		private boolean schemaAnyOfType = true;

		/** Drop an empty {@code enum} from a tool parameter schema (Kimi: "enum array cannot be empty"). */
		private boolean schemaEmptyEnum = true;

		/** Drop an empty {@code content} from assistant tool-call messages (Kimi: "text content is empty"). */
		private boolean emptyToolCallContent = true;

		/** Drop a thinking off-switch sent to a model that always thinks (Kimi: "only type=enabled is allowed"). */
		private boolean thinkingOffSwitch = true;

		/** Send {@code developer} messages as {@code system} (Kimi: "role 'developer' is not allowed"). */
		private boolean developerRole = true;

		/** Map a reasoning effort onto the model's own efforts (Kimi: "does not support 'medium'"). */
		private boolean effort = true;

		/** While thinking, remove sampling values the model refuses (and refuse {@code n} > 1 with a clear 400). */
		private boolean sampling = true;

		/** The one value each sampling setting takes while thinking; empty leaves that setting alone. */
		private String thinkingTemperature = "1";

		private String thinkingTopP = "0.95";

		private String thinkingPresencePenalty = "0";

		private String thinkingFrequencyPenalty = "0";

		/** While thinking, {@code tool_choice} "required" or a named function becomes "auto" (named: only that tool). */
		private boolean forcedToolChoice = true;

		/** While thinking, added to a client's {@code max_tokens}: reasoning is spent from it; 0 adds nothing. */
		private int thinkingHeadroomTokens = 4096;

		/** A stream's usage in OpenAI's own last chunk for a client that asked {@code include_usage}. */
		private boolean streamUsage = true;

		public boolean isSchemaTypes() {
			return schemaTypes;
		}

		public Config setSchemaTypes(boolean schemaTypes) {
			this.schemaTypes = schemaTypes;
			return this;
		}

		public boolean isSchemaAnyOfType() {
			return schemaAnyOfType;
		}

		public Config setSchemaAnyOfType(boolean schemaAnyOfType) {
			this.schemaAnyOfType = schemaAnyOfType;
			return this;
		}

		public boolean isSchemaEmptyEnum() {
			return schemaEmptyEnum;
		}

		public Config setSchemaEmptyEnum(boolean schemaEmptyEnum) {
			this.schemaEmptyEnum = schemaEmptyEnum;
			return this;
		}

		public boolean isEmptyToolCallContent() {
			return emptyToolCallContent;
		}

		public Config setEmptyToolCallContent(boolean emptyToolCallContent) {
			this.emptyToolCallContent = emptyToolCallContent;
			return this;
		}

		public boolean isThinkingOffSwitch() {
			return thinkingOffSwitch;
		}

		public Config setThinkingOffSwitch(boolean thinkingOffSwitch) {
			this.thinkingOffSwitch = thinkingOffSwitch;
			return this;
		}

		public boolean isDeveloperRole() {
			return developerRole;
		}

		public Config setDeveloperRole(boolean developerRole) {
			this.developerRole = developerRole;
			return this;
		}

		public boolean isEffort() {
			return effort;
		}

		public Config setEffort(boolean effort) {
			this.effort = effort;
			return this;
		}

		public boolean isSampling() {
			return sampling;
		}

		public Config setSampling(boolean sampling) {
			this.sampling = sampling;
			return this;
		}

		public String getThinkingTemperature() {
			return thinkingTemperature;
		}

		public Config setThinkingTemperature(String thinkingTemperature) {
			this.thinkingTemperature = thinkingTemperature;
			return this;
		}

		public String getThinkingTopP() {
			return thinkingTopP;
		}

		public Config setThinkingTopP(String thinkingTopP) {
			this.thinkingTopP = thinkingTopP;
			return this;
		}

		public String getThinkingPresencePenalty() {
			return thinkingPresencePenalty;
		}

		public Config setThinkingPresencePenalty(String thinkingPresencePenalty) {
			this.thinkingPresencePenalty = thinkingPresencePenalty;
			return this;
		}

		public String getThinkingFrequencyPenalty() {
			return thinkingFrequencyPenalty;
		}

		public Config setThinkingFrequencyPenalty(String thinkingFrequencyPenalty) {
			this.thinkingFrequencyPenalty = thinkingFrequencyPenalty;
			return this;
		}

		public boolean isForcedToolChoice() {
			return forcedToolChoice;
		}

		public Config setForcedToolChoice(boolean forcedToolChoice) {
			this.forcedToolChoice = forcedToolChoice;
			return this;
		}

		public int getThinkingHeadroomTokens() {
			return thinkingHeadroomTokens;
		}

		public Config setThinkingHeadroomTokens(int thinkingHeadroomTokens) {
			this.thinkingHeadroomTokens = thinkingHeadroomTokens;
			return this;
		}

		public boolean isStreamUsage() {
			return streamUsage;
		}

		public Config setStreamUsage(boolean streamUsage) {
			this.streamUsage = streamUsage;
			return this;
		}

		@Override
		public String toString() {
			List<String> on = new ArrayList<>();
			if (schemaTypes) {
				on.add("schema-types");
			}
			if (schemaAnyOfType) {
				on.add("schema-any-of-type");
			}
			if (schemaEmptyEnum) {
				on.add("schema-empty-enum");
			}
			if (emptyToolCallContent) {
				on.add("empty-tool-call-content");
			}
			if (thinkingOffSwitch) {
				on.add("thinking-off-switch");
			}
			if (developerRole) {
				on.add("developer-role");
			}
			if (effort) {
				on.add("effort");
			}
			if (sampling) {
				on.add("sampling(temperature=" + thinkingTemperature + ",top_p=" + thinkingTopP + ",presence_penalty="
						+ thinkingPresencePenalty + ",frequency_penalty=" + thinkingFrequencyPenalty + ")");
			}
			if (forcedToolChoice) {
				on.add("forced-tool-choice");
			}
			if (thinkingHeadroomTokens > 0) {
				on.add("thinking-headroom-tokens=" + thinkingHeadroomTokens);
			}
			if (streamUsage) {
				on.add("stream-usage");
			}
			return "KimiRepairs" + on;
		}

	}

	private final class Filter implements GatewayFilter, Ordered, ChatRequestRepair {

		private final Config config;

		private final SamplingLock sampling;

		private final SchemaTypes.Switches schemas;

		Filter(Config config) {
			this.config = config;
			this.schemas = new SchemaTypes.Switches(config.isSchemaTypes(), config.isSchemaAnyOfType(),
					config.isSchemaEmptyEnum());
			this.sampling = SamplingLock.of(config.getThinkingTemperature(), config.getThinkingTopP(),
					config.getThinkingPresencePenalty(), config.getThinkingFrequencyPenalty());
		}

		/** The request half, within the one read of the body: each switched-on adaptation the request needs. */
		@Override
		public Mono<Void> repair(ServerWebExchange exchange, ChatRequest request) {
			boolean anthropic = registry.errorDialect(exchange) == ErrorDialect.ANTHROPIC;
			if (!anthropic) {
				chatMessages(exchange, request);
			}
			ModelCapabilities model = request.capabilities();
			if (config.isThinkingOffSwitch() && model != null && model.thinking() == ModelCapabilities.Thinking.ONLY
					&& Boolean.FALSE.equals(request.thinkingSwitch())) {
				request.remove("thinking");
				Repairs.count(exchange, metrics, Repairs.THINKING_OFF_DROPPED, 1);
			}
			if (config.isEffort() && !anthropic && model != null) {
				switch (EffortMapping.apply(request, model)) {
					case MAPPED -> Repairs.count(exchange, metrics, Repairs.EFFORT_MAPPED, 1);
					case THINKING_OFF -> Repairs.count(exchange, metrics, Repairs.EFFORT_THINKING_OFF, 1);
					case UNCHANGED -> {
					}
				}
			}
			if (request.thinking()) {
				thinking(exchange, request, model, anthropic);
			}
			return Mono.empty();
		}

		/** What the chat API's messages and tools carry that Kimi refuses whatever the model. */
		private void chatMessages(ServerWebExchange exchange, ChatRequest request) {
			if (schemas.any() && request.mentions("tools", "parameters")) {
				int filled = 0;
				int moved = 0;
				int dropped = 0;
				for (ChatRequest.Element tool : request.elements("tools")) {
					SchemaTypes.Repaired here = SchemaTypes.repair(tool.node().path("function").path("parameters"),
							schemas);
					if (here.any()) {
						tool.changed();
						filled += here.typesFilled();
						moved += here.anyOfTypesMoved();
						dropped += here.emptyEnumsDropped();
					}
				}
				Repairs.count(exchange, metrics, Repairs.SCHEMA_TYPE, filled);
				Repairs.count(exchange, metrics, Repairs.SCHEMA_ANY_OF_TYPE, moved);
				Repairs.count(exchange, metrics, Repairs.SCHEMA_EMPTY_ENUM, dropped);
			}
			if (config.isEmptyToolCallContent() && request.mentions("messages", "tool_calls")) {
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
			if (config.isDeveloperRole() && request.mentions("messages", "\"developer\"")) {
				int renamed = 0;
				for (ChatRequest.Element element : request.elements("messages")) {
					if (element.mentions("\"developer\"") && element.node() instanceof ObjectNode message
							&& "developer".equals(message.path("role").asString(null))) {
						message.put("role", "system");
						element.changed();
						renamed++;
					}
				}
				Repairs.count(exchange, metrics, Repairs.DEVELOPER_ROLE, renamed);
			}
		}

		/** What a thinking model refuses or loses: locked sampling, forced tools, a budget too short to answer. */
		private void thinking(ServerWebExchange exchange, ChatRequest request, @Nullable ModelCapabilities model,
				boolean anthropic) {
			if (config.isSampling()) {
				for (String field : sampling.apply(request, anthropic)) {
					Repairs.count(exchange, metrics, Repairs.SAMPLING + field, 1);
				}
			}
			if (anthropic) {
				return;
			}
			if (config.isForcedToolChoice()) {
				switch (ForcedToolChoice.apply(request)) {
					case REQUIRED -> Repairs.count(exchange, metrics, Repairs.TOOL_CHOICE_REQUIRED, 1);
					case NAMED -> Repairs.count(exchange, metrics, Repairs.TOOL_CHOICE_NAMED, 1);
					case UNCHANGED -> {
					}
				}
			}
			int headroom = config.getThinkingHeadroomTokens();
			if (headroom > 0) {
				boolean raised = false;
				for (String field : List.of("max_tokens", "max_completion_tokens")) {
					Long limit = request.longValue(field);
					if (limit != null && limit > 0) {
						long room = limit + headroom;
						if (model != null && model.contextLength() != null) {
							room = Math.max(limit, Math.min(room, model.contextLength()));
						}
						request.set(field, Long.toString(room));
						raised = true;
					}
				}
				if (raised) {
					Repairs.count(exchange, metrics, Repairs.MAX_TOKENS_HEADROOM, 1);
				}
			}
		}

		/**
		 * The response half: OpenAI's usage chunk for a stream whose client asked {@code include_usage}, which Kimi
		 * does not send (the Messages API has no such chunk).
		 */
		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			if (!config.isStreamUsage() || !RequestContext.of(exchange).streamUsage()
					|| registry.errorDialect(exchange) == ErrorDialect.ANTHROPIC) {
				return chain.filter(exchange);
			}
			return chain.filter(exchange.mutate()
				.response(new UsageChunkResponse(exchange.getResponse(),
						() -> Repairs.count(exchange, metrics, Repairs.USAGE_CHUNK, 1)))
				.build());
		}

		@Override
		public int getOrder() {
			return FilterOrder.KIMI_REPAIRS;
		}

		@Override
		public String toString() {
			return config.toString();
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
