package dev.kimicode2api.wire;

import java.util.concurrent.RejectedExecutionException;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
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
 * fails to write is reported to the connection's handlers and closes the connection, which fails its body's write too.
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

	/**
	 * Behind the HTTP/1.1 codec, where whole messages pass. Reactor Netty gives an HTTP/2 or HTTP/3 frame codec the
	 * same name; those connections are left as they are.
	 */
	static void install(Channel channel) {
		ChannelHandler codec = channel.pipeline().get(NettyPipeline.HttpCodec);
		if ((codec instanceof HttpServerCodec || codec instanceof HttpClientCodec) && channel.pipeline().get(NAME) == null) {
			channel.pipeline().addAfter(NettyPipeline.HttpCodec, NAME, new Handler());
		}
	}

	/**
	 * One per connection. The head's flush waits in the event loop's task queue, at most two turns, for the start of
	 * the body: written at once when the body is in hand on this loop, or by a task queued just before (when the
	 * answer is read on another event loop).
	 */
	static final class Handler extends ChannelOutboundHandlerAdapter implements Runnable {

		/**
		 * A head that fails on an open connection: its cause goes to the connection's handlers (Reactor Netty's error
		 * then names it), and the connection is closed. On a closing one the close already says all.
		 */
		private static final ChannelFutureListener FAILED = written -> {
			if (!written.isSuccess() && written.channel().isActive()) {
				written.channel().pipeline().fireExceptionCaught(written.cause());
				written.channel().close();
			}
		};

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
				context.write(msg).addListener(FAILED);
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
				later();
			}
		}

		@Override
		public void run() {
			if (headAlone && !waited) {
				waited = true;
				later();
				return;
			}
			flushNow();
		}

		/** Queued behind what the event loop has to do; flushed now if the loop no longer takes tasks (shutting down). */
		private void later() {
			try {
				ctx.executor().execute(this);
			}
			catch (RejectedExecutionException ex) {
				flushNow();
			}
		}

		private void flushNow() {
			flushQueued = false;
			headAlone = false;
			ctx.flush();
		}

	}

}
