package dev.kimicode2api;

import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;

/**
 * The whole pipeline in one place: every filter of this gateway, in the order it runs.
 *
 * <p>Request side, before routing (web filters): {@link #ACCESS_LOG} (starts the clock), {@link #PATH_BOUNDARY}
 * (refuses paths that could climb out of a route), {@link #CONTENT_ENCODING} (a gzip or deflate body decoded, so all
 * that reads it sees plain bytes). After routing (gateway filters, the route's YAML filters among
 * them): {@link #USER_AGENT}, then {@link #REQUEST_BODY}, the one read of the body, which applies in turn the route's
 * protocol bridge ({@code ResponsesBridge}, whose request goes on to its chat path in the same request copy as the new
 * body), its virtual model, and its repairs in their order here ({@code ReasoningMemory}, then {@code KimiRepairs});
 * then {@link #GEN_AI} (the upstream call's span and GenAI meters, once the request to send is known); Spring Cloud
 * Gateway's own filters (Retry, …) follow, then {@link #UPSTREAM_BASE_PATH}.
 *
 * <p>Response side: each filter below wraps the response on the way in, so the one with the highest order sees the
 * upstream's bytes first. From the upstream to the client: {@link #UPSTREAM_ERROR} (errors in the route's dialect),
 * {@link #ANSWER_READER} (a successful answer read once: a stream cut into events, usage noted), {@link #KIMI_REPAIRS}
 * (OpenAI's usage chunk), {@link #REASONING_MEMORY} (remembers reasoning as Kimi sent it), {@link #INLINE_REASONING} (reasoning into
 * {@code <think>}), {@link #RESPONSES_BRIDGE} (chat completions to Responses), {@link #STREAM_TERMINATION} (a final
 * error event on a broken stream), {@link #USAGE_METRICS} (counts what the client receives).
 */
public final class FilterOrder {

	public static final int ACCESS_LOG = Ordered.HIGHEST_PRECEDENCE;

	public static final int PATH_BOUNDARY = Ordered.HIGHEST_PRECEDENCE + 10;

	public static final int CONTENT_ENCODING = Ordered.HIGHEST_PRECEDENCE + 20;

	public static final int USER_AGENT = Ordered.HIGHEST_PRECEDENCE + 100;

	public static final int REQUEST_BODY = Ordered.HIGHEST_PRECEDENCE + 200;

	/** After {@link #REQUEST_BODY}: the model asked, the model sent and the repairs are known; retries are inside. */
	public static final int GEN_AI = Ordered.HIGHEST_PRECEDENCE + 300;

	private static final int WRITE = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER;

	public static final int USAGE_METRICS = WRITE - 8;

	public static final int STREAM_TERMINATION = WRITE - 7;

	public static final int RESPONSES_BRIDGE = WRITE - 6;

	public static final int INLINE_REASONING = WRITE - 5;

	public static final int REASONING_MEMORY = WRITE - 4;

	/** After {@link #REASONING_MEMORY} so its repairs apply after the reasoning is restored. */
	public static final int KIMI_REPAIRS = WRITE - 3;

	/** The first reader of a successful answer, right after the upstream's errors are put in the route's dialect. */
	public static final int ANSWER_READER = WRITE - 2;

	public static final int UPSTREAM_ERROR = WRITE - 1;

	/** Right after the gateway has built the upstream URL from the route. */
	public static final int UPSTREAM_BASE_PATH = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

	private FilterOrder() {
	}

}
