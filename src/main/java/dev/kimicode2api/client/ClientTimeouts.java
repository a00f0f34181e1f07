package dev.kimicode2api.client;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import org.springframework.http.HttpStatus;

import dev.kimicode2api.wire.ApiException;

/**
 * The client timeouts of one HTTP/1.1 connection ({@link ClientProperties}), as one deadline that moves with the
 * connection's phase: waiting for a request's head, reading its body, answering it (no deadline: a response may
 * stream as long as it likes), idle between requests. {@link #afterCodec} sits behind the HTTP codec and sees whole
 * requests and responses; {@link #beforeCodec} sees raw bytes arrive, which starts the head of the next request on
 * a kept-alive connection. One timer per connection at a time, re-armed only when it fires early or a deadline moves
 * closer, so a request whose head and body arrive in one read schedules nothing.
 */
final class ClientTimeouts {

	private enum Phase {

		HEAD, BODY, RESPONDING, IDLE

	}

	private final long headerNanos;

	private final long bodyIdleNanos;

	private final long keepAliveNanos;

	private final String bodyIdleSetting;

	private ChannelHandlerContext ctx;

	private Phase phase = Phase.HEAD;

	/** When the current phase times out (System.nanoTime), 0 for never. */
	private long deadline;

	/** When a head started on a kept-alive connection, until its deadline is armed at the end of the read. */
	private long headSince;

	private ScheduledFuture<?> timer;

	private long timerAt;

	/** Requests whose response has not ended yet (more than one only when a client pipelines). */
	private int outstanding;

	private boolean responseStarted;

	private boolean bodyFailed;

	final ChannelInboundHandlerAdapter beforeCodec = new ChannelInboundHandlerAdapter() {
		@Override
		public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
			if (phase == Phase.IDLE) {
				phase = Phase.HEAD;
				headSince = System.nanoTime();
			}
			context.fireChannelRead(msg);
		}
	};

	final ChannelDuplexHandler afterCodec = new ChannelDuplexHandler() {

		@Override
		public void handlerAdded(ChannelHandlerContext context) {
			ctx = context;
		}

		@Override
		public void channelActive(ChannelHandlerContext context) throws Exception {
			arm(System.nanoTime() + headerNanos);
			context.fireChannelActive();
		}

		@Override
		public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
			if (msg instanceof HttpRequest) {
				outstanding++;
				responseStarted = false;
				bodyFailed = false;
				headSince = 0;
				deadline = 0;
				phase = msg instanceof LastHttpContent ? Phase.RESPONDING : Phase.BODY;
			}
			else if (msg instanceof LastHttpContent && phase == Phase.BODY) {
				if (outstanding > 0) {
					phase = Phase.RESPONDING;
					deadline = 0;
				}
				else {
					idle();
				}
			}
			context.fireChannelRead(msg);
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext context) throws Exception {
			if (phase == Phase.BODY) {
				arm(System.nanoTime() + bodyIdleNanos);
			}
			else if (phase == Phase.HEAD && headSince != 0) {
				arm(headSince + headerNanos);
				headSince = 0;
			}
			context.fireChannelReadComplete();
		}

		@Override
		public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) throws Exception {
			if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
				context.write(msg, promise); // 100 Continue: the answer is still to come
				return;
			}
			if (msg instanceof HttpResponse) {
				responseStarted = true;
			}
			if (msg instanceof LastHttpContent && outstanding > 0 && --outstanding == 0 && phase == Phase.RESPONDING) {
				idle();
			}
			context.write(msg, promise);
		}

		@Override
		public void channelInactive(ChannelHandlerContext context) throws Exception {
			cancel();
			context.fireChannelInactive();
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext context) {
			cancel();
		}

	};

	ClientTimeouts(ClientProperties properties) {
		this.headerNanos = properties.headerTimeout().toNanos();
		this.bodyIdleNanos = properties.bodyIdleTimeout().toNanos();
		this.keepAliveNanos = properties.keepAliveTimeout().toNanos();
		this.bodyIdleSetting = "kimicode.client.body-idle-timeout, " + properties.bodyIdleTimeout().toMillis() + " ms";
	}

	private void idle() {
		phase = Phase.IDLE;
		arm(System.nanoTime() + keepAliveNanos);
	}

	/** Moves the deadline; a new timer only if none is due before it. */
	private void arm(long at) {
		deadline = at;
		if (timer != null && timerAt <= at) {
			return;
		}
		if (timer != null) {
			timer.cancel(false);
		}
		timerAt = at;
		timer = ctx.executor().schedule(this::check, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
	}

	private void cancel() {
		if (timer != null) {
			timer.cancel(false);
			timer = null;
		}
		deadline = 0;
	}

	private void check() {
		timer = null;
		if (deadline == 0 || !ctx.channel().isActive()) {
			return;
		}
		long now = System.nanoTime();
		if (now < deadline) {
			arm(deadline);
			return;
		}
		switch (phase) {
			case HEAD, IDLE -> ctx.close();
			case BODY -> bodyIdle(now);
			case RESPONDING -> deadline = 0;
		}
	}

	private void bodyIdle(long now) {
		if (!ctx.channel().config().isAutoRead()) {
			arm(now + bodyIdleNanos); // the gateway is not reading (its upstream is slow to take the body): not the client's silence
			return;
		}
		if (outstanding == 1 && !responseStarted && !bodyFailed) {
			// The request fails where its body is read, and the error handler answers 408 in the route's shape;
			// Reactor Netty closes the connection after it, since the body was not read to its end.
			bodyFailed = true;
			arm(now + bodyIdleNanos);
			ctx.fireExceptionCaught(new ApiException(HttpStatus.REQUEST_TIMEOUT,
					"The request body stopped arriving: no bytes within " + bodyIdleSetting, null, null));
			return;
		}
		ctx.close();
	}

}
