package dev.kimicode2api.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;

import dev.kimicode2api.support.LateUpstream;

import static org.assertj.core.api.Assertions.assertThat;

/** What a stream's write drops unwritten: released when it holds a buffer nobody else will release, left alone else. */
class DiscardedBuffersTest {

	private final NettyDataBufferFactory factory = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);

	@Test
	void aBufferIsReleased() {
		NettyDataBuffer buffer = factory.allocateBuffer(16);
		DiscardedBuffers.release(buffer);
		assertThat(buffer.getNativeBuffer().refCnt()).isZero();
	}

	/** Spring Cloud Gateway's group, as Spring's response maps it on the way to Reactor Netty's sendGroups. */
	@Test
	void aGroupOfOneBufferIsReleasedThroughItsOperators() {
		NettyDataBuffer buffer = factory.allocateBuffer(16);
		DiscardedBuffers.release(Flux.just((DataBuffer) buffer).doOnNext(b -> { }).map(NettyDataBufferFactory::toByteBuf));
		assertThat(buffer.getNativeBuffer().refCnt()).isZero();

		NettyDataBuffer single = factory.allocateBuffer(16);
		DiscardedBuffers.release(Mono.just((DataBuffer) single).map(b -> b));
		assertThat(single.getNativeBuffer().refCnt()).isZero();
	}

	/** Reactor Netty releases the ByteBufs it discards before passing them on: releasing them here would be twice. */
	@Test
	void nettysOwnBuffersAreLeftToReactorNetty() {
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(16);
		try {
			DiscardedBuffers.release(buffer);
			DiscardedBuffers.release(Flux.just(buffer));
			assertThat(buffer.refCnt()).isOne();
		}
		finally {
			buffer.release();
		}
	}

	@Test
	void aPublisherWithoutAScalarSourceIsLeftAloneAndASupplierIsNeverCalled() {
		AtomicBoolean called = new AtomicBoolean();
		DiscardedBuffers.release(Mono.fromSupplier(() -> {
			called.set(true);
			return factory.allocateBuffer(16);
		}).map(b -> b));
		DiscardedBuffers.release(Flux.range(0, 3));
		DiscardedBuffers.release(Flux.empty());
		DiscardedBuffers.release("not a publisher");
		assertThat(called).isFalse();
	}

	@Test
	void theHookSeesWhatAWriteDiscards() {
		NettyDataBuffer queued = factory.allocateBuffer(16);
		// a concatMap whose inner never completes keeps the next group queued; cancelling discards it
		Mono<Void> write = Flux.just(Flux.<DataBuffer>never(), Flux.just((DataBuffer) queued))
			.concatMap(group -> group, 32)
			.then();
		DiscardedBuffers.releasedOnDiscard(write).subscribe().dispose();
		assertThat(queued.getNativeBuffer().refCnt()).isZero();
	}

	/**
	 * The upstream's event loop may still deliver a group when the client's has cancelled: that group never reaches
	 * the cancelled concatMap's queue (where nothing would release it) and is released instead.
	 */
	@Test
	void aGroupDeliveredAfterTheCancelIsReleasedAndOneBeforeItGoesOn() {
		NettyDataBuffer before = factory.allocateBuffer(16);
		NettyDataBuffer after = factory.allocateBuffer(16);
		LateUpstream<Flux<DataBuffer>> racing = new LateUpstream<>();
		List<Flux<DataBuffer>> received = new ArrayList<>();
		Disposable write = DiscardedBuffers.<Flux<DataBuffer>>serialisedWithCancel(racing).subscribe(received::add);
		racing.deliver(Flux.just(before));
		write.dispose();
		racing.deliver(Flux.just(after));

		assertThat(received).hasSize(1);
		assertThat(after.getNativeBuffer().refCnt()).isZero();
		assertThat(before.getNativeBuffer().refCnt()).isOne();
		before.release();
	}

}
