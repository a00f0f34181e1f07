package dev.kimicode2api.errors;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

import dev.kimicode2api.routing.RouteSettings;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.ErrorDialect;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.LogSafe;
import dev.kimicode2api.wire.OpenAiError;
import dev.kimicode2api.wire.RequestContext;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * Turns every failure into a JSON error in the route's dialect (never a whitelabel page or a stack trace): client
 * mistakes are 4xx {@code invalid_request_error}, failures to reach or hear from the upstream are 502/504
 * {@code proxy_error} (Anthropic's {@code api_error} on an Anthropic route). A path that a route serves with another
 * method is a 405, derived from the routes themselves.
 */
@Component
@Order(-2) // before Spring Boot's default handler
public class GatewayErrorWebExceptionHandler implements ErrorWebExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(GatewayErrorWebExceptionHandler.class);

	private static final List<HttpMethod> PROBED = List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT,
			HttpMethod.PATCH, HttpMethod.DELETE);

	private final RouteLocator routes;

	private final RouteSettingsRegistry registry;

	public GatewayErrorWebExceptionHandler(RouteLocator routes, RouteSettingsRegistry registry) {
		this.routes = routes;
		this.registry = registry;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			// Mid-stream: the status is gone, so end the connection and let the client see a truncated stream.
			log.debug("Error after the response was committed on {}: {}",
					LogSafe.text(exchange.getRequest().getPath()), LogSafe.text(error.toString()));
			return Mono.error(error);
		}
		boolean noHandler = error instanceof ResponseStatusException status && status.getStatusCode().value() == 404
				&& (status.getReason() == null || status.getReason().equals("No matching handler"));
		RouteSettings routed = registry.forExchange(exchange);
		Mono<Probe> probe = routed != null && !noHandler ? Mono.just(new Probe(Set.of(), routed.errorDialect()))
				: probe(exchange);
		return probe.flatMap(found -> {
			ErrorDialect dialect = found.dialect();
			if (noHandler) {
				if (found.allowed().isEmpty()) {
					return write(exchange, dialect, HttpStatus.NOT_FOUND, OpenAiError.INVALID_REQUEST,
							"Unknown path: " + exchange.getRequest().getMethod() + " "
									+ exchange.getRequest().getPath().value(), null, null);
				}
				response.getHeaders().setAllow(found.allowed());
				return write(exchange, dialect, HttpStatus.METHOD_NOT_ALLOWED, OpenAiError.INVALID_REQUEST,
						"Method " + exchange.getRequest().getMethod() + " is not allowed on "
								+ exchange.getRequest().getPath().value() + "; use " + found.allowed(), null, null);
			}
			URI upstream = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
			Failure failure = classify(error, upstream == null ? null : upstream.getHost());
			if (failure.status().is5xxServerError()) {
				// The root cause's class; for I/O failures also its message (e.g. "Too many open files"), which
				// names addresses at most. Other messages could quote a request body, so they stay out of the log.
				Throwable cause = rootCause(error);
				log.warn("{} {} failed: {} {} ({}{})", LogSafe.text(exchange.getRequest().getMethod()),
						LogSafe.text(exchange.getRequest().getPath()), failure.status().value(),
						LogSafe.text(failure.message()), cause.getClass().getName(),
						cause instanceof java.io.IOException ? ": " + LogSafe.text(cause.getMessage()) : "");
			}
			if (error instanceof MethodNotAllowedException notAllowed) {
				response.getHeaders().setAllow(notAllowed.getSupportedMethods());
			}
			return write(exchange, dialect, failure.status(), failure.type(), failure.message(), failure.param(),
					failure.code());
		});
	}

	/** What the routes say about a request no route took: the methods they would take, and whose dialect applies. */
	record Probe(Set<HttpMethod> allowed, ErrorDialect dialect) {
	}

	record Failure(HttpStatusCode status, String type, String message, @Nullable String param, @Nullable String code) {

		Failure(HttpStatusCode status, String type, String message) {
			this(status, type, message, null, null);
		}

	}

	static Failure classify(Throwable error, @Nullable String upstreamHost) {
		Throwable cause = rootCause(error);
		// Netty's resolver raises an UnknownHostException whose own cause is the DNS error: the root is not enough.
		for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof UnknownHostException) {
				return new Failure(HttpStatus.BAD_GATEWAY, OpenAiError.PROXY, "Upstream host "
						+ (upstreamHost == null ? "" : upstreamHost + " ") + "could not be resolved (DNS)");
			}
		}
		if (cause instanceof ApiException api) {
			return new Failure(api.status(), api.status().is4xxClientError() ? OpenAiError.INVALID_REQUEST
					: OpenAiError.PROXY, api.getMessage(), api.param(), api.code());
		}
		if (error instanceof InvalidBodyException || cause instanceof InvalidBodyException) {
			return new Failure(HttpStatus.BAD_REQUEST, OpenAiError.INVALID_REQUEST, cause.getMessage());
		}
		if (cause instanceof AbortedException) {
			// The client went away mid-request; nobody reads this answer (nginx calls it 499).
			return new Failure(HttpStatusCode.valueOf(499), OpenAiError.INVALID_REQUEST, "Client closed the request");
		}
		if (cause instanceof DataBufferLimitException) {
			return new Failure(HttpStatus.CONTENT_TOO_LARGE, OpenAiError.INVALID_REQUEST,
					"The request body is larger than this gateway accepts (kimicode.max-request-size)");
		}
		if (cause instanceof ConnectTimeoutException) {
			return new Failure(HttpStatus.BAD_GATEWAY, OpenAiError.PROXY, "Upstream connect timed out");
		}
		if (cause instanceof ConnectException) {
			return new Failure(HttpStatus.BAD_GATEWAY, OpenAiError.PROXY,
					"Upstream unreachable: connection refused");
		}
		if (cause instanceof PrematureCloseException || cause instanceof ClosedChannelException
				|| cause instanceof java.io.IOException && !(error instanceof ResponseStatusException)) {
			return new Failure(HttpStatus.BAD_GATEWAY, OpenAiError.PROXY,
					"Upstream closed the connection before responding");
		}
		if (cause instanceof TimeoutException || cause instanceof ReadTimeoutException
				|| cause instanceof org.springframework.cloud.gateway.support.TimeoutException) {
			return new Failure(HttpStatus.GATEWAY_TIMEOUT, OpenAiError.PROXY, "Upstream did not respond in time");
		}
		if (error instanceof ResponseStatusException status) {
			HttpStatusCode code = status.getStatusCode();
			if (code.value() == 504) {
				return new Failure(code, OpenAiError.PROXY, "Upstream did not respond in time");
			}
			String reason = status.getReason();
			if (error instanceof ServerWebInputException) {
				reason = "Invalid request: " + (reason == null ? "unreadable body" : reason);
			}
			String message = reason != null ? reason : HttpStatus.valueOf(code.value()).getReasonPhrase();
			return new Failure(code, code.is4xxClientError() ? OpenAiError.INVALID_REQUEST : OpenAiError.PROXY,
					message);
		}
		return new Failure(HttpStatus.INTERNAL_SERVER_ERROR, OpenAiError.PROXY, "Internal gateway error");
	}

	private static Throwable rootCause(Throwable error) {
		Throwable cause = error;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		return cause;
	}

	/**
	 * Tries the request's path against every route with each common method: the methods that match are the ones to
	 * allow, and the first matching route's error dialect is the one its clients parse.
	 */
	private Mono<Probe> probe(ServerWebExchange exchange) {
		Set<HttpMethod> allowed = new LinkedHashSet<>();
		List<Route> matched = new ArrayList<>();
		return Flux.fromIterable(PROBED)
			.concatMap(method -> {
				ServerWebExchange probe = exchange.mutate().request(r -> r.method(method)).build();
				return routes.getRoutes()
					.concatMap(candidate -> Mono.from(candidate.getPredicate().apply(probe))
						.filter(Boolean::booleanValue)
						.map(ok -> candidate))
					.next()
					.doOnNext(candidate -> {
						allowed.add(method);
						matched.add(candidate);
					});
			})
			.then(Mono.fromSupplier(() -> new Probe(allowed,
					matched.isEmpty() ? ErrorDialect.OPENAI : registry.forRoute(matched.get(0)).errorDialect())))
			.onErrorReturn(new Probe(Set.of(), ErrorDialect.OPENAI));
	}

	private static Mono<Void> write(ServerWebExchange exchange, ErrorDialect dialect, HttpStatusCode status,
			String type, String message, @Nullable String param, @Nullable String code) {
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(status);
		HttpHeaders headers = response.getHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		byte[] body = dialect.body(status, type, message, param, code);
		RequestContext.of(exchange).responseBytes(body.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
	}

}
