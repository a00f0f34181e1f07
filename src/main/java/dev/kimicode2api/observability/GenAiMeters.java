package dev.kimicode2api.observability;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

import dev.kimicode2api.wire.Usage;

/**
 * The OpenTelemetry GenAI client metrics, under their semantic-convention names and explicit bucket boundaries:
 * {@code gen_ai.client.operation.duration} (seconds), {@code gen_ai.client.token.usage} (tokens, by
 * {@code gen_ai.token.type} input / output) and {@code gen_ai.client.operation.time_to_first_chunk} (seconds, streams
 * only). Prometheus shows them as {@code gen_ai_client_operation_duration_seconds_bucket}, {@code
 * gen_ai_client_token_usage_bucket} and {@code gen_ai_client_operation_time_to_first_chunk_seconds_bucket}, as an
 * OpenTelemetry collector's Prometheus exporter names them. Every meter has the same tag keys (Prometheus wants one
 * label set per name): {@code error.type} (on the two timers; tokens are counted when the upstream reported them) is
 * empty when the operation succeeded, which PromQL reads as absent. The
 * model tag is the client's model bounded as {@code kimicode2api_*} bounds it ({@code other} for names no route
 * lists). Meters are resolved once per tag set and kept.
 */
@Component
public class GenAiMeters {

	/** The convention's boundaries for {@code gen_ai.client.token.usage}. */
	static final double[] TOKEN_BUCKETS = { 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
			16777216, 67108864 };

	/** The convention's boundaries, in seconds, for the duration and time-to-first-chunk histograms. */
	static final double[] SECONDS_BUCKETS = { 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
			40.96, 81.92 };

	private static final Duration[] DURATION_BUCKETS = new Duration[SECONDS_BUCKETS.length];

	static {
		for (int i = 0; i < SECONDS_BUCKETS.length; i++) {
			DURATION_BUCKETS[i] = Duration.ofNanos(Math.round(SECONDS_BUCKETS[i] * 1e9));
		}
	}

	/** One operation's attributes, as the convention names them. */
	public record Operation(String operation, String provider, String requestModel, String serverAddress,
			int serverPort, String errorType) {
	}

	private record TokenKey(Operation operation, String type) {
	}

	private final MeterRegistry registry;

	private final Map<Operation, Timer> durations = new ConcurrentHashMap<>();

	private final Map<Operation, Timer> firstChunks = new ConcurrentHashMap<>();

	private final Map<TokenKey, DistributionSummary> tokens = new ConcurrentHashMap<>();

	public GenAiMeters(MeterRegistry registry) {
		this.registry = registry;
	}

	public void operation(Operation operation, Duration duration) {
		durations.computeIfAbsent(operation, key -> tags(Timer.builder("gen_ai.client.operation.duration")
			.description("GenAI operation duration")
			.serviceLevelObjectives(DURATION_BUCKETS), key).register(registry)).record(duration);
	}

	public void firstChunk(Operation operation, Duration sinceRequest) {
		firstChunks.computeIfAbsent(operation, key -> tags(Timer.builder("gen_ai.client.operation.time_to_first_chunk")
			.description("Time to receive the first chunk of a streamed response, from when the request is sent")
			.serviceLevelObjectives(DURATION_BUCKETS), key).register(registry)).record(sinceRequest);
	}

	public void tokens(Operation operation, Usage usage) {
		Operation op = operation.errorType().isEmpty() ? operation : new Operation(operation.operation(),
				operation.provider(), operation.requestModel(), operation.serverAddress(), operation.serverPort(), "");
		token(op, "input").record(usage.prompt());
		token(op, "output").record(usage.completion());
	}

	private DistributionSummary token(Operation operation, String type) {
		return tokens.computeIfAbsent(new TokenKey(operation, type), key -> {
			Operation op = key.operation();
			return DistributionSummary.builder("gen_ai.client.token.usage")
				.description("Number of input and output tokens used")
				.serviceLevelObjectives(TOKEN_BUCKETS)
				.tag("gen_ai.operation.name", op.operation())
				.tag("gen_ai.provider.name", op.provider())
				.tag("gen_ai.request.model", op.requestModel())
				.tag("gen_ai.token.type", key.type())
				.tag("server.address", op.serverAddress())
				.tag("server.port", String.valueOf(op.serverPort()))
				.register(registry);
		});
	}

	private static Timer.Builder tags(Timer.Builder builder, Operation op) {
		return builder.tag("gen_ai.operation.name", op.operation())
			.tag("gen_ai.provider.name", op.provider())
			.tag("gen_ai.request.model", op.requestModel())
			.tag("server.address", op.serverAddress())
			.tag("server.port", String.valueOf(op.serverPort()))
			.tag("error.type", op.errorType());
	}

}
