package dev.kimicode2api.errors;

import java.nio.charset.StandardCharsets;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.quota.QuotaMetrics;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.DiscardedBuffers;
import dev.kimicode2api.wire.ErrorDialect;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.OpenAiError;

/**
 * An upstream error (status 400 and above) reaches the client with its status and headers ({@code Retry-After}
 * included) and a body in the route's error dialect: the upstream's own when it already is one, otherwise one
 * written here ({@code {"error":{"message":…,"type":"upstream_error"}}} for OpenAI) with the upstream's message
 * where it gave one. Successful responses, streams above all, pass through untouched. The body read here is also
 * where Kimi's quota answers are counted ({@link QuotaMetrics#upstreamError}), so no error body is read twice.
 */
@Component
public class UpstreamErrorGlobalFilter implements GlobalFilter, Ordered {

	/** Error bodies larger than this are not inspected, only summarised. */
	private static final int MAX_ERROR_BODY = 64 * 1024;

	private final RouteSettingsRegistry registry;

	private final QuotaMetrics quota;

	public UpstreamErrorGlobalFilter(RouteSettingsRegistry registry, QuotaMetrics quota) {
		this.registry = registry;
		this.quota = quota;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(exchange.mutate()
			.response(new ErrorNormalizingResponse(exchange.getResponse(), registry.errorDialect(exchange), quota))
			.build());
	}

	private static final class ErrorNormalizingResponse extends ServerHttpResponseDecorator {

		private final ErrorDialect dialect;

		private final QuotaMetrics quota;

		ErrorNormalizingResponse(ServerHttpResponse delegate, ErrorDialect dialect, QuotaMetrics quota) {
			super(delegate);
			this.dialect = dialect;
			this.quota = quota;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			HttpStatusCode status = getStatusCode();
			if (status == null || !status.isError()) {
				return super.writeWith(body);
			}
			return DataBufferUtils.join(Flux.from(body), MAX_ERROR_BODY)
				.map(joined -> {
					try {
						return joined.toString(StandardCharsets.UTF_8);
					}
					finally {
						DataBufferUtils.release(joined);
					}
				})
				.onErrorReturn("")
				.defaultIfEmpty("")
				.flatMap(text -> {
					quota.upstreamError(status, text);
					byte[] normalized = normalize(status, text, dialect);
					HttpHeaders headers = getDelegate().getHeaders();
					headers.setContentType(MediaType.APPLICATION_JSON);
					headers.setContentLength(normalized.length);
					headers.remove(HttpHeaders.TRANSFER_ENCODING);
					headers.remove(HttpHeaders.CONTENT_ENCODING);
					return super.writeWith(Mono.fromSupplier(() -> bufferFactory().wrap(normalized)));
				});
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			HttpStatusCode status = getStatusCode();
			if (status == null || !status.isError()) {
				return super.writeAndFlushWith(body);
			}
			// guarded as every stream's groups are: a group offered as the client leaves is released, not lost
			return writeWith(DiscardedBuffers.serialisedWithCancel(body).concatMap(Flux::from));
		}

	}

	static byte[] normalize(HttpStatusCode status, String body, ErrorDialect dialect) {
		String message = null;
		String trimmed = body.strip();
		if (trimmed.startsWith("{")) {
			try {
				JsonNode json = Json.MAPPER.readTree(trimmed);
				JsonNode error = json.get("error");
				if (dialect.isOwnShape(json)) {
					return trimmed.getBytes(StandardCharsets.UTF_8); // already in the route's dialect: kept as it is
				}
				if (error != null && error.path("message").isString()) {
					message = error.path("message").asString(); // the other dialect's shape
				}
				else if (error != null && error.isString()) {
					message = error.asString();
				}
				else if (json.path("message").isString()) {
					message = json.path("message").asString();
				}
				else if (json.path("detail").isString()) {
					message = json.path("detail").asString();
				}
			}
			catch (JacksonException ignored) {
				// not JSON after all: summarised below
			}
		}
		else if (!trimmed.isEmpty() && !trimmed.startsWith("<") && trimmed.length() <= 500) {
			message = trimmed; // a short plain-text reason; HTML pages are not shown to API clients
		}
		HttpStatus known = HttpStatus.resolve(status.value());
		String prefix = "Upstream returned HTTP " + status.value() + (known == null ? "" : " " + known.getReasonPhrase());
		return dialect.body(status, OpenAiError.UPSTREAM, message == null ? prefix : prefix + ": " + message);
	}

	@Override
	public int getOrder() {
		return FilterOrder.UPSTREAM_ERROR;
	}

	@Override
	public String toString() {
		return "UpstreamErrorGlobalFilter[upstream errors in the route's error-dialect]";
	}

}
