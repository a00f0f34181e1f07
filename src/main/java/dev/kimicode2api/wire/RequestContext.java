package dev.kimicode2api.wire;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * The per-request context: what kimicode2api's filters learn about one request and its answer, for the filters that
 * act on it later and for its access line, metrics and span: the model the client named, whether it streams, bytes
 * sent, time to first byte, tokens, repairs. One exchange attribute holds it all (an attribute per fact made the
 * exchange's attribute map grow on every request; docs/performance.md, tuning log).
 */
public final class RequestContext {

	private static final String ATTRIBUTE = RequestContext.class.getName();

	private final long startNanos;

	private volatile @Nullable String model;

	private volatile boolean stream;

	private volatile @Nullable String upstreamModel;

	private volatile @Nullable Long maxTokens;

	private volatile boolean reasoningInline;

	private volatile boolean thinking;

	private volatile boolean offersTools;

	private volatile boolean streamUsage;

	private volatile long responseBytes;

	private volatile @Nullable Long firstByteNanos;

	private volatile boolean traced;

	private volatile @Nullable String responseModel;

	private volatile @Nullable List<String> finishReasons;

	private volatile @Nullable Usage usage;

	private volatile @Nullable ChatChunk plainAnswer;

	private volatile @Nullable Map<String, Integer> repairs;

	private RequestContext(long startNanos) {
		this.startNanos = startNanos;
	}

	/** Starts the context of a request that has just arrived (the access log, the first filter, does). */
	public static RequestContext start(ServerWebExchange exchange) {
		RequestContext context = new RequestContext(System.nanoTime());
		exchange.getAttributes().put(ATTRIBUTE, context);
		return context;
	}

	/** The request's context (a detached one if the request was not started through the access log). */
	public static RequestContext of(ServerWebExchange exchange) {
		RequestContext context = exchange.getAttribute(ATTRIBUTE);
		return context != null ? context : start(exchange);
	}

	public long startNanos() {
		return startNanos;
	}

	/** The model name the client asked for (a virtual one included). */
	public @Nullable String model() {
		return model;
	}

	public void model(@Nullable String model) {
		this.model = model;
	}

	/** The model the upstream is asked for, after the virtual model's rewrite ({@code null} when not read). */
	public @Nullable String upstreamModel() {
		return upstreamModel;
	}

	public void upstreamModel(@Nullable String upstreamModel) {
		this.upstreamModel = upstreamModel;
	}

	/** The output token limit as sent upstream ({@code max_completion_tokens}, else {@code max_tokens}), if any. */
	public @Nullable Long maxTokens() {
		return maxTokens;
	}

	public void maxTokens(@Nullable Long maxTokens) {
		this.maxTokens = maxTokens;
	}

	/** Whether the client asked for a streamed response. */
	public boolean stream() {
		return stream;
	}

	public void stream(boolean stream) {
		this.stream = stream;
	}

	/** Whether the response's reasoning is to be moved into its content. */
	public boolean reasoningInline() {
		return reasoningInline;
	}

	public void reasoningInline(boolean reasoningInline) {
		this.reasoningInline = reasoningInline;
	}

	/** Whether the request goes upstream with thinking on (its model always thinks, or the request turns it on). */
	public boolean thinking() {
		return thinking;
	}

	public void thinking(boolean thinking) {
		this.thinking = thinking;
	}

	/** Whether the request offers the model tools: an answer to one that offers none calls none. */
	public boolean offersTools() {
		return offersTools;
	}

	public void offersTools(boolean offersTools) {
		this.offersTools = offersTools;
	}

	/** Whether the request streams and asks the stream's usage ({@code stream_options.include_usage}). */
	public boolean streamUsage() {
		return streamUsage;
	}

	public void streamUsage(boolean streamUsage) {
		this.streamUsage = streamUsage;
	}

	/** Bytes of response body sent to the client so far. */
	public long responseBytes() {
		return responseBytes;
	}

	public void responseBytes(long responseBytes) {
		this.responseBytes = responseBytes;
	}

	/** Milliseconds from request to the first streamed byte. */
	public @Nullable Long firstByteMillis() {
		Long nanos = firstByteNanos;
		return nanos == null ? null : nanos / 1_000_000;
	}

	/** Nanoseconds from request ({@link #startNanos()}) to the first streamed byte. */
	public @Nullable Long firstByteNanos() {
		return firstByteNanos;
	}

	public void firstByteNanos(long nanos) {
		this.firstByteNanos = nanos;
	}

	/**
	 * Whether a trace records this request, so the readers of its answer also note what only a span shows (its finish
	 * reasons); off for every request while tracing is off.
	 */
	public boolean traced() {
		return traced;
	}

	public void traced(boolean traced) {
		this.traced = traced;
	}

	/** The model the upstream's answer names, once seen. */
	public @Nullable String responseModel() {
		return responseModel;
	}

	public void responseModel(@Nullable String responseModel) {
		this.responseModel = responseModel;
	}

	/** Why the upstream stopped generating, one reason per choice ({@code stop}, {@code length}, {@code end_turn}…). */
	public @Nullable List<String> finishReasons() {
		return finishReasons;
	}

	public void finishReasons(@Nullable List<String> finishReasons) {
		this.finishReasons = finishReasons;
	}

	/** The upstream's token usage, once seen. */
	public @Nullable Usage usage() {
		return usage;
	}

	public void usage(Usage usage) {
		this.usage = usage;
	}

	/**
	 * The upstream's plain (not streamed) answer, as its first reader read it once it ended, for the readers after it;
	 * {@code null} for a stream, or an answer that is not one JSON object.
	 */
	public @Nullable ChatChunk plainAnswer() {
		return plainAnswer;
	}

	public void plainAnswer(ChatChunk plainAnswer) {
		this.plainAnswer = plainAnswer;
	}

	/** What the gateway repaired in the request, by kind ({@code schema_type}, …); {@code null} when nothing. */
	public @Nullable Map<String, Integer> repairs() {
		return repairs;
	}

	public synchronized void repaired(String kind, int count) {
		Map<String, Integer> counted = repairs == null ? new TreeMap<>() : new TreeMap<>(repairs);
		counted.merge(kind, count, Integer::sum);
		repairs = counted;
	}

}
