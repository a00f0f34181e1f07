package dev.kimicode2api.observability;

import io.opentelemetry.context.Context;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Puts the gateway's span into the request the upstream receives ({@code traceparent}, {@code tracestate}, in place
 * of the client's, whose trace the span continues), the way Spring Cloud Gateway's header filters shape every proxied
 * request. With tracing off it takes no part ({@link #supports}), and the client's own headers pass unchanged.
 */
@Component
public class TraceContextHeadersFilter implements HttpHeadersFilter {

	private final GenAiTracing tracing;

	public TraceContextHeadersFilter(GenAiTracing tracing) {
		this.tracing = tracing;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		Context context = exchange.getAttribute(GenAiGlobalFilter.CONTEXT);
		if (context == null) {
			return input;
		}
		HttpHeaders headers = new HttpHeaders();
		headers.addAll(input);
		tracing.inject(context, headers);
		return headers;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST && tracing.enabled();
	}

}
