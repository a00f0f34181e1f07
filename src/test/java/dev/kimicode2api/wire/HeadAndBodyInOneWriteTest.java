package dev.kimicode2api.wire;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What reaches the socket, flush by flush, when Reactor Netty writes a message's head and then its body: the head goes
 * with the start of its body, and nothing after that waits.
 */
class HeadAndBodyInOneWriteTest {

	/** Stands for the socket: the bytes each flush would hand to the kernel in one write. */
	private final List<String> socketWrites = new ArrayList<>();

	private final EmbeddedChannel channel = new EmbeddedChannel();

	/** When set, the next flushes fail their writes, as a socket the peer has reset. */
	private boolean socketFails;

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

			/** Like Netty's outbound buffer: a write is done once a flush has sent it (or failed, with the socket). */
			@Override
			public void flush(ChannelHandlerContext ctx) {
				if (socketFails) {
					written.forEach(promise -> promise.tryFailure(new IOException("Broken pipe")));
				}
				else {
					if (!pending.isEmpty()) {
						socketWrites.add(pending.toString());
					}
					written.forEach(ChannelPromise::trySuccess);
				}
				pending.setLength(0);
				written.clear();
			}

			/** Like Netty's outbound buffer on close: once closed, what was written and not flushed fails and is dropped. */
			@Override
			public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
				ctx.close(promise);
				written.forEach(write -> write.tryFailure(new ClosedChannelException()));
				pending.setLength(0);
				written.clear();
			}
		});
		channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
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
	void aHeadThatFailsToWriteIsReportedAndClosesTheConnectionSoItsBodyCannotBeSentWithoutIt() {
		ChannelPromise head = channel.newPromise();
		pipeline().writeAndFlush(head(8), head);
		assertThat(head.isSuccess()).isTrue(); // the caller has gone on to its body
		socketFails = true;
		channel.runPendingTasks(); // the head's own flush, alone

		assertThat(channel.isOpen()).isFalse();
		assertThatThrownBy(channel::checkException).isInstanceOf(IOException.class).hasMessage("Broken pipe");
		assertThat(pipeline().writeAndFlush(text("{\"a\":1}\n")).isSuccess()).isFalse();
		assertThat(socketWrites).isEmpty();
	}

	@Test
	void aSecondHeadOnAKeptAliveConnectionGoesWithItsOwnBodyWhileTheFirstFlushIsStillQueued() {
		pipeline().writeAndFlush(head(8), channel.newPromise());
		pipeline().write(text("{\"a\":1}\n"));
		pipeline().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
		pipeline().writeAndFlush(head(8), channel.newPromise());
		pipeline().writeAndFlush(text("{\"b\":2}\n"));
		pipeline().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
		channel.runPendingTasks();

		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n",
				"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"b\":2}\n");
	}

	@Test
	void aConnectionClosedBeforeTheHeadsFlushSendsNothingAfterwardsAndRaisesNothing() {
		pipeline().writeAndFlush(head(8), channel.newPromise());
		pipeline().close();
		channel.runPendingTasks(); // the head's flush, on a closed connection

		assertThat(socketWrites).isEmpty();
		channel.checkException();
	}

	@Test
	void aWriteWithoutAPromiseToCompleteIsLeftAsItIs() {
		pipeline().write(head(8), channel.voidPromise());
		pipeline().writeAndFlush(text("{\"a\":1}\n"), channel.voidPromise());

		assertThat(socketWrites).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n");
	}

	@Test
	void notInstalledWhereTheCodecsNameHoldsAnotherProtocolsCodec() {
		EmbeddedChannel http2 = new EmbeddedChannel();
		http2.pipeline().addLast(NettyPipeline.HttpCodec, new ChannelOutboundHandlerAdapter());
		HeadAndBodyInOneWrite.install(http2);

		assertThat(http2.pipeline().get(HeadAndBodyInOneWrite.NAME)).isNull();
		assertThat(channel.pipeline().get(HeadAndBodyInOneWrite.NAME)).isNotNull();
		http2.finishAndReleaseAll();
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
