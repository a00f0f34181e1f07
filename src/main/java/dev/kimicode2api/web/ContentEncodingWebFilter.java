package dev.kimicode2api.web;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.KimicodeProperties;
import dev.kimicode2api.wire.InvalidBodyException;

/**
 * A request body sent with {@code Content-Encoding: gzip} or {@code deflate} is decoded before anything reads it, and
 * goes on as a plain body with its real length (also on a route that forwards bodies untouched: the upstream gets
 * plain bytes, which every upstream takes). The decoded size is held to {@code kimicode.max-request-size}, so a
 * small body that inflates past it (a zip bomb) is a 413 as soon as the limit is crossed; a body that is not valid
 * gzip or deflate is a 400, any other coding a 415 naming the header. A request without the header costs one header
 * look-up.
 */
@Component
@Order(FilterOrder.CONTENT_ENCODING)
public class ContentEncodingWebFilter implements WebFilter {

	private final long maxBytes;

	public ContentEncodingWebFilter(KimicodeProperties properties) {
		this.maxBytes = properties.maxRequestSize().toBytes();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (request.getHeaders().getFirst(HttpHeaders.CONTENT_ENCODING) == null) {
			return chain.filter(exchange);
		}
		List<String> codings = codings(request.getHeaders().get(HttpHeaders.CONTENT_ENCODING));
		if (codings.isEmpty()) {
			return chain.filter(exchange); // identity only
		}
		if (codings.size() > 1 || !isSupported(codings.get(0))) {
			return Mono.error(new ResponseStatusException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding "
					+ String.join(", ", codings) + " is not supported: send the body plain, or with gzip or deflate"));
		}
		String coding = codings.get(0);
		return DataBufferUtils.join(request.getBody(), (int) Math.min(maxBytes, Integer.MAX_VALUE))
			.map(joined -> {
				byte[] bytes = new byte[joined.readableByteCount()];
				joined.read(bytes);
				DataBufferUtils.release(joined);
				return bytes;
			})
			.defaultIfEmpty(new byte[0])
			.map(encoded -> decode(encoded, coding, maxBytes))
			.flatMap(decoded -> chain.filter(exchange.mutate().request(plain(request, decoded)).build()));
	}

	/** The codings named, in order, without {@code identity}, lower case. */
	private static List<String> codings(List<String> headerValues) {
		List<String> codings = new ArrayList<>(1);
		for (String value : headerValues) {
			for (String coding : value.split(",")) {
				String name = coding.trim().toLowerCase(Locale.ROOT);
				if (!name.isEmpty() && !name.equals("identity")) {
					codings.add(name);
				}
			}
		}
		return codings;
	}

	private static boolean isSupported(String coding) {
		return coding.equals("gzip") || coding.equals("x-gzip") || coding.equals("deflate");
	}

	/**
	 * The decoded body, read in steps so that decoding stops as soon as it passes {@code maxBytes}. "deflate" is
	 * zlib-wrapped by the standard, but some clients send raw deflate: the zlib header tells them apart.
	 */
	static byte[] decode(byte[] encoded, String coding, long maxBytes) {
		if (encoded.length == 0) {
			return encoded;
		}
		boolean gzip = !coding.equals("deflate");
		Inflater inflater = gzip ? null : new Inflater(!isZlibHeader(encoded));
		try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(encoded), 8192)
				: new InflaterInputStream(new ByteArrayInputStream(encoded), inflater, 8192)) {
			ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(encoded.length * 4, 1 << 20));
			byte[] chunk = new byte[8192];
			long total = 0;
			for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
				total += n;
				if (total > maxBytes) {
					throw new DataBufferLimitException("Decoded request body exceeds " + maxBytes + " bytes");
				}
				out.write(chunk, 0, n);
			}
			return out.toByteArray();
		}
		catch (IOException ex) {
			throw new InvalidBodyException("The request body is not valid " + coding + " (Content-Encoding: " + coding
					+ "): " + ex.getMessage());
		}
		finally {
			if (inflater != null) {
				inflater.end();
			}
		}
	}

	/** RFC 1950: compression method 8 and a header checksum that is a multiple of 31. */
	private static boolean isZlibHeader(byte[] bytes) {
		return bytes.length >= 2 && (bytes[0] & 0x0f) == 8 && ((bytes[0] & 0xff) << 8 | bytes[1] & 0xff) % 31 == 0;
	}

	/** The request with {@code body} as its plain body: no Content-Encoding, its real length. */
	private static ServerHttpRequest plain(ServerHttpRequest request, byte[] body) {
		HttpHeaders headers = new HttpHeaders();
		headers.putAll(request.getHeaders());
		headers.remove(HttpHeaders.CONTENT_ENCODING);
		headers.remove(HttpHeaders.TRANSFER_ENCODING);
		headers.setContentLength(body.length);
		return new ServerHttpRequestDecorator(request) {
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

}
