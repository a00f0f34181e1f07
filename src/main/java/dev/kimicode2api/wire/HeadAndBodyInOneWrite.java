package dev.kimicode2api.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.stereotype.Component;

/**
 * Lets an HTTP/1.1 message's head leave in the same socket write as the start of its body, on the client's
 * connections and on the upstream's. Reactor Netty sends a body only once the head's write has completed, that is once
 * the head alone has reached the socket: a write of its own for every head, two per request (docs/performance.md).
 * Here the head's write counts as done once it is queued behind the codec, and its flush waits in the event loop's task
 * queue until the start of the body is queued behind it: at most two turns of the queue, by which time a body in hand
 * is written. From the body's first write on, every flush goes out at once, so no event of a stream waits. A head that
 * fails to write closes the connection, which fails its body's write too.
 */
@Component
public class HeadAndBodyInOneWrite implements NettyServerCustomizer, HttpClientCustomizer {

	static final String NAME = "kimicode2api.headAndBody";

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, address) -> install(channel));
	}

	@Override
	public HttpClient customize(HttpClient client) {
		return client.doOnChannelInit((observer, channel, address) -> install(channel));
	}

	/** Behind the HTTP/1.1 codec, where whole messages pass; a connection without one (HTTP/2) is left as it is. */
	static void install(Channel channel) {
		if (channel.pipeline().get(NettyPipeline.HttpCodec) != null && channel.pipeline().get(NAME) == null) {
			channel.pipeline().addAfter(NettyPipeline.HttpCodec, NAME, new Handler());
		}
	}

	/**
	 * One per connection. The head's flush waits in the event loop's task queue, at most two turns, for the start of
	 * the body: written at once when the body is in hand on this loop, or by a task queued just before (when the
	 * answer is read on another event loop).
	 */
	static final class Handler extends ChannelOutboundHandlerAdapter implements Runnable {

		private ChannelHandlerContext ctx;

		/** A head is written and nothing after it yet (its body, as HTTP content or as bytes). */
		private boolean headAlone;

		/** This handler is in the task queue to flush. */
		private boolean flushQueued;

		private boolean waited;

		@Override
		public void handlerAdded(ChannelHandlerContext context) {
			ctx = context;
		}

		@Override
		public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
			if (msg instanceof HttpMessage && !(msg instanceof HttpContent) && !promise.isVoid()) {
				context.write(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
				headAlone = true;
				promise.trySuccess();
				return;
			}
			headAlone = false;
			context.write(msg, promise);
		}

		@Override
		public void flush(ChannelHandlerContext context) {
			if (!headAlone) {
				context.flush();
			}
			else if (!flushQueued) {
				flushQueued = true;
				waited = false;
				context.executor().execute(this);
			}
		}

		@Override
		public void run() {
			if (headAlone && !waited) {
				waited = true;
				ctx.executor().execute(this);
				return;
			}
			flushQueued = false;
			headAlone = false;
			ctx.flush();
		}

	}

}
