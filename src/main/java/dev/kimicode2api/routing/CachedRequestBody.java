package dev.kimicode2api.routing;

import java.net.URI;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.RequestPath;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * A request body read once, before routing, by a predicate that must look inside it (the {@code Model} predicate),
 * and replayed to whatever reads it afterwards. The bytes are copied to the heap and the pooled buffers released at
 * once, so nothing can leak if no route matches. A failure while reading (too large, client gone) is kept too and
 * raised by the next reader, because Spring Cloud Gateway swallows errors thrown by predicates.
 */
public final class CachedRequestBody {

	private static final String ATTRIBUTE = CachedRequestBody.class.getName();

	private CachedRequestBody() {
	}

	/** The whole body, read at most once per exchange. */
	public static Mono<byte[]> read(ServerWebExchange exchange, long maxBytes) {
		Object cached = exchange.getAttribute(ATTRIBUTE);
		if (cached instanceof byte[] bytes) {
			return Mono.just(bytes);
		}
		if (cached instanceof Throwable failure) {
			return Mono.error(failure);
		}
		if (exchange.getRequest().getHeaders().getContentLength() > maxBytes) {
			return remember(exchange, new DataBufferLimitException("Exceeded limit on max bytes to buffer : " + maxBytes));
		}
		return DataBufferUtils.join(exchange.getRequest().getBody(), (int) Math.min(maxBytes, Integer.MAX_VALUE))
			.map(joined -> {
				byte[] bytes = new byte[joined.readableByteCount()];
				joined.read(bytes);
				DataBufferUtils.release(joined);
				return bytes;
			})
			.defaultIfEmpty(new byte[0])
			.doOnNext(bytes -> exchange.getAttributes().put(ATTRIBUTE, bytes))
			.onErrorResume(failure -> remember(exchange, failure));
	}

	private static Mono<byte[]> remember(ServerWebExchange exchange, Throwable failure) {
		exchange.getAttributes().put(ATTRIBUTE, failure);
		return Mono.error(failure);
	}

	/**
	 * The request with {@code body} as its body, from the heap: replayable (a retry after a refused connection sends
	 * it again) and nothing to release; sent to {@code path} with {@code Accept: accept} where those are given (a
	 * protocol bridge's chat request). Its headers are copied only when they change.
	 */
	public static ServerHttpRequest withBody(ServerHttpRequest request, byte[] body, @Nullable String path,
			@Nullable MediaType accept) {
		HttpHeaders original = request.getHeaders();
		HttpHeaders headers;
		if (accept == null && original.getContentLength() == body.length
				&& !original.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
			headers = original;
		}
		else {
			headers = new HttpHeaders();
			headers.putAll(original);
			headers.remove(HttpHeaders.TRANSFER_ENCODING);
			headers.setContentLength(body.length);
			if (accept != null) {
				headers.setAccept(List.of(accept));
			}
		}
		URI uri = path == null ? request.getURI() : withPath(request.getURI(), path);
		RequestPath requestPath = path == null ? request.getPath()
				: RequestPath.parse(uri, request.getPath().contextPath().value());
		return new ServerHttpRequestDecorator(request) {
			@Override
			public URI getURI() {
				return uri;
			}

			@Override
			public RequestPath getPath() {
				return requestPath;
			}

			@Override
			public HttpHeaders getHeaders() {
				return headers;
			}

			@Override
			public Flux<DataBuffer> getBody() {
				return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
			}
		};
	}

	/** {@code uri} with another path (already encoded), its query kept. */
	private static URI withPath(URI uri, String path) {
		String query = uri.getRawQuery();
		String origin = uri.getScheme() == null ? "" : uri.getScheme() + "://" + uri.getRawAuthority();
		return URI.create(origin + path + (query == null ? "" : "?" + query));
	}

}
