package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches the socket, flush by flush, when Reactor Netty writes a message's head and then its body: the head goes
 * with the start of its body, and nothing after that waits.
 */
class HeadAndBodyInOneWriteTest {

	/** Stands for the socket: the bytes each flush would hand to the kernel in one write. */
	private final List<String> socketWrites = new ArrayList<>();

	private final EmbeddedChannel channel = new EmbeddedChannel();

	{
		channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {

			private final StringBuilder pending = new StringBuilder();

			private final List<ChannelPromise> written = new ArrayList<>();

			@Override
			public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
				ByteBuf bytes = (ByteBuf) msg;
				pending.append(bytes.toString(StandardCharsets.UTF_8));
				bytes.release();
				written.add(promise);
			}

			/** Like Netty's outbound buffer: a write is done once a flush has sent it. */
			@Override
			public void flush(ChannelHandlerContext ctx) {
				if (!pending.isEmpty()) {
					socketWrites.add(pending.toString());
					pending.setLength(0);
				}
				written.forEach(ChannelPromise::trySuccess);
				written.clear();
			}
		});
		channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpResponseEncoder());
		HeadAndBodyInOneWrite.install(channel);
	}

	@AfterEach
	void close() {
		channel.finishAndReleaseAll();
	}

	@Test
	void theHeadsWriteIsDoneAtOnceAndItsFlushSendsTheBodyWrittenRightAfterIt() {
		ChannelPromise head = channel.newPromise();
		pipeline().writeAndFlush(head(8), head);
		assertThat(head.isSuccess()).isTrue();
		assertThat(socketWrites).isEmpty();

		pipeline().write(text("{\"a\":1}\n")); // as MonoSendMany does once the head's write is done
		channel.runPendingTasks();

		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n");
	}

	@Test
	void aBodyWrittenByATaskQueuedAfterTheHeadsFlushStillGoesWithIt() {
		pipeline().writeAndFlush(head(8), channel.newPromise());
		// The answer read on another event loop: its write reaches this loop as a task behind the head's flush.
		channel.eventLoop().execute(() -> pipeline().writeAndFlush(text("{\"a\":1}\n")));
		channel.runPendingTasks();

		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n");
	}

	@Test
	void aHeadWhoseBodyDoesNotComeIsSentAnywayOnceTheTasksQueuedBeforeItRan() {
		pipeline().writeAndFlush(head(8), channel.newPromise());
		channel.runPendingTasks();

		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n");
	}

	@Test
	void everyFlushAfterTheStartOfTheBodyGoesOutAtOnceSoNoEventWaits() {
		HttpResponse stream = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		stream.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
		pipeline().writeAndFlush(stream, channel.newPromise());

		pipeline().writeAndFlush(text("data: 1\n\n"));
		assertThat(socketWrites).hasSize(1);
		assertThat(socketWrites.get(0)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("data: 1\n\n\r\n");

		pipeline().writeAndFlush(text("data: 2\n\n"));
		assertThat(socketWrites).hasSize(2);
		assertThat(socketWrites.get(1)).isEqualTo("9\r\ndata: 2\n\n\r\n");

		pipeline().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
		assertThat(socketWrites).hasSize(3).last().isEqualTo("0\r\n\r\n");
	}

	@Test
	void aWholeMessageIsWrittenAndFlushedAsBefore() {
		ChannelPromise promise = channel.newPromise();
		DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
				Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8));
		full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);

		pipeline().write(full, promise);
		assertThat(promise.isDone()).as("done only once flushed").isFalse();
		pipeline().flush();

		assertThat(promise.isSuccess()).isTrue();
		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
	}

	@Test
	void aHeadThatFailsToWriteClosesTheConnectionSoItsBodyCannotBeSentWithoutIt() {
		channel.pipeline().addAfter(NettyPipeline.HttpCodec, "failing", new ChannelOutboundHandlerAdapter() {
			@Override
			public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
				promise.setFailure(new IllegalStateException("cannot encode"));
			}
		});
		// Installed again behind the failing handler: it now sees the head first.
		channel.pipeline().remove(HeadAndBodyInOneWrite.NAME);
		channel.pipeline().addAfter("failing", HeadAndBodyInOneWrite.NAME, new HeadAndBodyInOneWrite.Handler());

		pipeline().writeAndFlush(head(8), channel.newPromise());
		channel.runPendingTasks();

		assertThat(channel.isOpen()).isFalse();
		assertThat(pipeline().writeAndFlush(text("{\"a\":1}\n")).isSuccess()).isFalse();
		assertThat(socketWrites).isEmpty();
	}

	/** The pipeline's own operations: EmbeddedChannel's run the task queue after each, which an event loop does not. */
	private ChannelPipeline pipeline() {
		return channel.pipeline();
	}

	private static HttpResponse head(int contentLength) {
		HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
		head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, contentLength);
		return head;
	}

	private static ByteBuf text(String text) {
		return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
	}

}
