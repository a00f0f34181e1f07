package dev.kimicode2api.errors;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

import dev.kimicode2api.wire.OpenAiError;

/**
 * A request Reactor Netty cannot decode (headers over {@code server.max-http-request-header-size}, a request line
 * over {@code server.netty.max-initial-line-length}, a malformed head, a URI Reactor Netty cannot parse) never
 * reaches a Spring handler: Reactor Netty answers it itself with 431, 414 or 400, an empty body and
 * {@code Connection: close}. This adds the OpenAI-shaped JSON error body to that answer, keeping its status. A
 * handler right after the HTTP codec sees the request go in and fills the empty response that comes out for it once
 * the request is marked failed (by the codec, or by Reactor Netty after the codec, as for a URI with raw non-ASCII
 * bytes).
 */
@Component
public class DecodingFailureJsonBodyCustomizer implements NettyServerCustomizer {

	static final String HANDLER_NAME = "kimicode2api.decodingFailureJsonBody";

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.HttpCodec) != null) {
				pipeline.addAfter(NettyPipeline.HttpCodec, HANDLER_NAME, new Handler());
			}
		});
	}

	static final class Handler extends ChannelDuplexHandler {

		/** The last request the codec handed on; its decoder result may be marked failed after it passed here. */
		private HttpRequest request;

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof HttpRequest decoded) {
				request = decoded;
			}
			ctx.fireChannelRead(msg);
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
			if (msg instanceof FullHttpResponse response && !response.content().isReadable() && (request != null
					&& request.decoderResult().isFailure()
					&& response.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)
					|| response.status().code() == 400 && (request == null || !HttpMethod.HEAD.equals(request.method())))) {
				// An empty 400 is never the gateway's own (its errors have bodies): Spring's adapter answers a URI it
				// cannot parse that way, before any handler.
				Throwable failure = request != null && request.decoderResult().isFailure()
						? request.decoderResult().cause() : null;
				String message = message(failure, response.status());
				request = null;
				if (message != null) {
					byte[] body = OpenAiError.body(OpenAiError.INVALID_REQUEST, message);
					FullHttpResponse withBody = response.replace(Unpooled.wrappedBuffer(body));
					response.release();
					withBody.headers()
						.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
						.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
					ctx.write(withBody, promise);
					return;
				}
			}
			ctx.write(msg, promise);
		}

		private static String message(Throwable failure, HttpResponseStatus status) {
			Throwable cause = failure == null ? null : failure.getCause() != null ? failure.getCause() : failure;
			if (status.code() == 431 && cause instanceof TooLongHttpHeaderException) {
				return "Request headers are larger than this gateway accepts (server.max-http-request-header-size)";
			}
			if (status.code() == 414 && cause instanceof TooLongHttpLineException) {
				return "Request line (method and URI) is longer than this gateway accepts "
						+ "(server.netty.max-initial-line-length)";
			}
			if (status.code() == 400) {
				return "Malformed HTTP request";
			}
			return null;
		}

	}

}
