package dev.kimicode2api.metrics;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;

/**
 * The gateway's own meters. The {@code model} tag only takes names a route lists, anything else is {@code other},
 * so a client inventing model names cannot grow the label set.
 */
@Component
public class GatewayMetrics {

	private final MeterRegistry registry;

	private final Set<String> knownModels = new HashSet<>();

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
		Timer.builder("kimicode2api.requests")
			.description("Requests through the gateway")
			.tag("route", route)
			.tag("model", modelTag(model))
			.tag("status", String.valueOf(status))
			.tag("stream", String.valueOf(stream))
			.register(registry)
			.record(duration);
	}

	public void firstByte(String route, String model, Duration sinceRequest) {
		Timer.builder("kimicode2api.stream.first.byte")
			.description("Time from request to the first streamed byte sent to the client")
			.tag("route", route)
			.tag("model", modelTag(model))
			.register(registry)
			.record(sinceRequest);
	}

	/** Counts what a repair changed in one request ({@code kimicode2api_repairs_total}). */
	public void repaired(String route, String kind, int count) {
		registry.counter("kimicode2api.repairs", "route", route, "kind", kind).increment(count);
	}

	/** Counts a built-in tool the Responses bridge left out ({@code kimicode2api_responses_tools_left_out_total}). */
	public void responsesToolLeftOut(String route, String type) {
		registry.counter("kimicode2api.responses.tools.left.out", "route", route, "type", type).increment();
	}

	public void tokens(String route, String model, Usage usage) {
		count(route, model, "prompt", usage.prompt());
		count(route, model, "completion", usage.completion());
		count(route, model, "total", usage.total());
	}

	private void count(String route, String model, String type, long amount) {
		registry.counter("kimicode2api.tokens", "route", route, "model", modelTag(model), "type", type)
			.increment(amount);
	}

}
