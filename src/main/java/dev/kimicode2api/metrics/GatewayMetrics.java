package dev.kimicode2api.metrics;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.Usage;

/**
 * The gateway's own meters. The {@code model} tag only takes names a route lists, anything else is {@code other},
 * so a client inventing model names cannot grow the label set. Each meter is resolved once per distinct tag set and
 * kept: a request records into meters it finds in a map, instead of building and registering them again
 * (docs/performance.md, tuning log).
 */
@Component
public class GatewayMetrics {

	private final MeterRegistry registry;

	private final Set<String> knownModels = new HashSet<>();

	private record RequestKey(String route, String model, int status, boolean stream) {
	}

	private record RouteModel(String route, String model) {
	}

	private record RouteTag(String route, String tag) {
	}

	/** Prompt, completion and total token counters of one route and model. */
	private record TokenCounters(Counter prompt, Counter completion, Counter total) {
	}

	private final Map<RequestKey, Timer> requests = new ConcurrentHashMap<>();

	private final Map<RouteModel, Timer> firstBytes = new ConcurrentHashMap<>();

	private final Map<RouteModel, TokenCounters> tokens = new ConcurrentHashMap<>();

	private final Map<RouteTag, Counter> repairs = new ConcurrentHashMap<>();

	private final Map<RouteTag, Counter> toolsLeftOut = new ConcurrentHashMap<>();

	private final Map<RouteTag, Counter> catalogueFetches = new ConcurrentHashMap<>();

	public GatewayMetrics(MeterRegistry registry, RouteSettingsRegistry routes) {
		this.registry = registry;
		for (RouteSettings route : routes.configured()) {
			knownModels.addAll(route.modelNames());
		}
	}

	public String modelTag(String model) {
		return model == null ? "none" : knownModels.contains(model) ? model : "other";
	}

	public void request(String route, String model, int status, boolean stream, Duration duration) {
		requests.computeIfAbsent(new RequestKey(route, modelTag(model), status, stream), key -> Timer
			.builder("kimicode2api.requests")
			.description("Requests through the gateway")
			.tag("route", key.route())
			.tag("model", key.model())
			.tag("status", String.valueOf(key.status()))
			.tag("stream", String.valueOf(key.stream()))
			.register(registry)).record(duration);
	}

	public void firstByte(String route, String model, Duration sinceRequest) {
		firstBytes.computeIfAbsent(new RouteModel(route, modelTag(model)), key -> Timer
			.builder("kimicode2api.stream.first.byte")
			.description("Time from request to the first streamed byte sent to the client")
			.tag("route", key.route())
			.tag("model", key.model())
			.register(registry)).record(sinceRequest);
	}

	/** Counts what a repair changed in one request ({@code kimicode2api_repairs_total}). */
	public void repaired(String route, String kind, int count) {
		repairs.computeIfAbsent(new RouteTag(route, kind),
				key -> registry.counter("kimicode2api.repairs", "route", key.route(), "kind", key.tag()))
			.increment(count);
	}

	/** Counts a built-in tool the Responses bridge left out ({@code kimicode2api_responses_tools_left_out_total}). */
	public void responsesToolLeftOut(String route, String type) {
		toolsLeftOut.computeIfAbsent(new RouteTag(route, type), key -> registry
			.counter("kimicode2api.responses.tools.left.out", "route", key.route(), "type", key.tag())).increment();
	}

	/** Counts a fetch of an upstream's model catalogue ({@code kimicode2api_catalogue_fetches_total}). */
	public void catalogueFetch(String route, String outcome) {
		catalogueFetches.computeIfAbsent(new RouteTag(route, outcome), key -> Counter
			.builder("kimicode2api.catalogue.fetches")
			.description("Fetches of an upstream's model catalogue, per key scope, by outcome")
			.tag("route", key.route())
			.tag("outcome", key.tag())
			.register(registry)).increment();
	}

	public void tokens(String route, String model, Usage usage) {
		TokenCounters counters = tokens.computeIfAbsent(new RouteModel(route, modelTag(model)),
				key -> new TokenCounters(counter(key, "prompt"), counter(key, "completion"), counter(key, "total")));
		counters.prompt().increment(usage.prompt());
		counters.completion().increment(usage.completion());
		counters.total().increment(usage.total());
	}

	private Counter counter(RouteModel key, String type) {
		return registry.counter("kimicode2api.tokens", "route", key.route(), "model", key.model(), "type", type);
	}

}
