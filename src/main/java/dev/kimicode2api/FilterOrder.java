package dev.kimicode2api;

import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;

/**
 * The request's way through the gateway in one place: every filter of this gateway, in the order it runs.
 *
 * <p>What Spring Cloud Gateway does with order: web filters run first, by their {@code @Order}, before any route is
 * chosen. Once the route's predicates have chosen it, the global filters and the route's own filters (its YAML
 * {@code filters} and the {@code default-filters}) are merged into one chain, sorted by {@code getOrder()}. A route
 * filter that implements {@code Ordered} keeps its order wherever the YAML lists it (this gateway's all do); any other
 * gets its position in its YAML list (1, 2, …), so Spring's own ({@code Retry}) run
 * after every request step here and before the upstream call. Each filter may change the request on its way in and
 * wrap the response on its way out; a wrapper receives the answer from the ones wrapped after it, so of the response
 * wrappers the one with the highest order sees the upstream's bytes first.
 *
 * <p>Request side. Web filters: {@link #ACCESS_LOG} (starts the request's context and the clock),
 * {@link #PATH_BOUNDARY} (refuses paths that could climb out of a route), {@link #CONTENT_ENCODING} (a gzip or
 * deflate body decoded, so all that reads it sees plain bytes). Then the route (a {@code Model} predicate reads the
 * body once to choose it), and its chain: {@link #REQUEST_BODY}, the one read of the body, which
 * runs the request halves of the route's own filters: its protocol bridge ({@code ResponsesBridge}, whose chat request
 * goes on to the chat path), the virtual model, then its repairs ({@code ReasoningMemory}, {@code KimiRepairs}, in
 * this class's order); {@link #GEN_AI} (the upstream call's span and GenAI meters, once the request to send is known).
 * The response wrappers below are put in place next, then Spring's {@code Retry} (which repeats the rest on a refused
 * connection), {@link #UPSTREAM_BASE_PATH} and the upstream call itself, whose headers Spring's header filters make from the
 * request's: the hop-by-hop ones dropped (with {@code Cookie} and {@code Accept-Encoding}, application.yml), then the
 * route's {@code User-Agent} ({@code UserAgentHeadersFilter}) and the span's {@code traceparent}
 * ({@code TraceContextHeadersFilter}).
 *
 * <p>Response side, from the upstream to the client: {@link #UPSTREAM_ERROR} (errors in the route's dialect),
 * {@link #ANSWER_READER} (a successful answer read once: a stream cut into events, whose parsed chunks every reader
 * after it shares; usage and finish reasons noted), {@link #KIMI_REPAIRS} (OpenAI's usage chunk),
 * {@link #REASONING_MEMORY} (remembers reasoning as Kimi sent it), {@link #INLINE_REASONING} (reasoning into
 * {@code <think>}), {@link #RESPONSES_BRIDGE} (chat completions to Responses), {@link #STREAM_TERMINATION} (a final
 * error event on a broken stream; what a stream's write drops when its client leaves, released),
 * {@link #USAGE_METRICS} (counts what the client receives).
 */
public final class FilterOrder {

	public static final int ACCESS_LOG = Ordered.HIGHEST_PRECEDENCE;

	public static final int PATH_BOUNDARY = Ordered.HIGHEST_PRECEDENCE + 10;

	public static final int CONTENT_ENCODING = Ordered.HIGHEST_PRECEDENCE + 20;

	public static final int REQUEST_BODY = Ordered.HIGHEST_PRECEDENCE + 200;

	/** After {@link #REQUEST_BODY}: the model asked, the model sent and the repairs are known; retries are inside. */
	public static final int GEN_AI = Ordered.HIGHEST_PRECEDENCE + 300;

	private static final int WRITE = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER;

	public static final int USAGE_METRICS = WRITE - 8;

	public static final int STREAM_TERMINATION = WRITE - 7;

	public static final int RESPONSES_BRIDGE = WRITE - 6;

	public static final int INLINE_REASONING = WRITE - 5;

	public static final int REASONING_MEMORY = WRITE - 4;

	/** After {@link #REASONING_MEMORY}: its repairs apply to the request after the reasoning is restored. */
	public static final int KIMI_REPAIRS = WRITE - 3;

	/** The first reader of a successful answer, right after the upstream's errors are put in the route's dialect. */
	public static final int ANSWER_READER = WRITE - 2;

	public static final int UPSTREAM_ERROR = WRITE - 1;

	/** Right after the gateway has built the upstream URL from the route. */
	public static final int UPSTREAM_BASE_PATH = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

	private FilterOrder() {
	}

}
