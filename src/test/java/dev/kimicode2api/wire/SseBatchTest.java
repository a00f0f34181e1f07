package dev.kimicode2api.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batches that pass between the readers of a stream: cut once from the upstream's buffers, handed on as they are,
 * written as one buffer each: the upstream's own where the first reader's cut kept it, released by whoever takes it.
 */
class SseBatchTest {

	private static final NettyDataBufferFactory POOLED = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);

	@Test
	void upstreamBuffersCutAnywhereGiveTheWholeEventsOfEachReadAndTheRestLastEachBufferReleased() {
		String stream = "data: {\"content\":\"é\"}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\ndata: {\"last\":true}";
		byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
		List<DataBuffer> upstream = new ArrayList<>();
		for (int at = 0; at < bytes.length; at += 9) { // through the two bytes of é and the blank lines
			upstream.add(POOLED.wrap(buffer(bytes, at, Math.min(bytes.length, at + 9))));
		}

		List<SseBatch> batches = SseBatch.of(Flux.fromIterable(upstream).map(Mono::just), POOLED).collectList().block();

		List<String> events = new ArrayList<>();
		batches.forEach(batch -> batch.events().forEach(event -> events.add(event.toString())));
		assertThat(events).containsExactly("data: {\"content\":\"é\"}\n\n", "data: {\"n\":2}\n\n", "data: [DONE]\n\n",
				"data: {\"last\":true}");
		assertThat(batches.get(batches.size() - 1).events()).hasSize(1); // the rest comes alone, at the end
		assertThat(upstream).allSatisfy(buffer -> assertThat(((NettyDataBuffer) buffer).getNativeBuffer().refCnt()).isZero());
	}

	@Test
	void batchesAReaderBelowCutAreHandedOnAsTheyAre() {
		SseBatch batch = new SseBatch(new SseEvents().accept("data: {}\n\n".getBytes(StandardCharsets.UTF_8)),
				DefaultDataBufferFactory.sharedInstance);
		assertThat(SseBatch.of(Flux.just(batch), DefaultDataBufferFactory.sharedInstance).collectList().block())
			.singleElement().isSameAs(batch);
	}

	@Test
	void theBatchesAReaderHandsOnAreTakenByTheNextReaderWithoutOperatorsOfItsOwn() {
		Flux<SseBatch> below = Flux.just(new SseBatch(new SseEvents().accept("data: {}\n\n".getBytes(StandardCharsets.UTF_8)),
				DefaultDataBufferFactory.sharedInstance));
		assertThat(SseBatch.of(SseBatch.handOn(below), DefaultDataBufferFactory.sharedInstance)).isSameAs(below);
	}

	@Test
	void aBatchIsWrittenAsOneBufferWhetherItsEventsLieSideBySideOrWereRewritten() {
		List<SseEvent> cut = new SseEvents().accept("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8));
		SseBatch batch = new SseBatch(cut, DefaultDataBufferFactory.sharedInstance);
		assertThat(written(batch)).isEqualTo("data: 1\n\ndata: 2\n\n");

		SseEvent inserted = SseEvent.of("data: x\n\n".getBytes(StandardCharsets.UTF_8), null);
		assertThat(written(batch.with(List.of(cut.get(0), inserted, cut.get(1))))).isEqualTo("data: 1\n\ndata: x\n\ndata: 2\n\n");
		assertThat(written(batch)).as("written again, from the same events").isEqualTo("data: 1\n\ndata: 2\n\n");
	}

	@Test
	void aBatchCutFromWholeEventsIsWrittenAsTheUpstreamsOwnBufferUntouched() {
		DataBuffer upstream = pooled("data: 1\n\ndata: 2\n\n");
		SseBatch.Kept kept = new SseBatch.Kept();

		SseBatch batch = SseBatch.cut(Flux.just(Mono.just(upstream)), POOLED, kept).single().block();

		assertThat(batch.events()).extracting(SseEvent::toString).containsExactly("data: 1\n\n", "data: 2\n\n");
		assertThat(refCnt(upstream)).as("kept for the writer").isOne();
		DataBuffer written = Flux.from(batch).single().block();
		assertThat(written).isSameAs(upstream);
		assertThat(written.toString(StandardCharsets.UTF_8)).as("its read position not moved").isEqualTo("data: 1\n\ndata: 2\n\n");
		kept.releaseUnwritten();
		assertThat(refCnt(upstream)).as("the writer's now, not the stream's").isOne();
		DataBufferUtils.release(written);
	}

	@Test
	void buffersThatStartOrEndInsideAnEventAreCopiedAndReleasedAtOnceTheOthersKept() {
		List<DataBuffer> upstream = List.of(pooled("data: 1\n\n"), pooled("data: 2\n"), pooled("\ndata: 3\n\n"),
				pooled("data: 4\n\n"));
		SseBatch.Kept kept = new SseBatch.Kept();

		List<SseBatch> batches = SseBatch.cut(Flux.fromIterable(upstream).map(Mono::just), POOLED, kept).collectList().block();

		assertThat(batches).hasSize(3); // "data: 2\n" completed no event: the next buffer completes 2 and 3
		assertThat(refCnt(upstream.get(1))).isZero();
		assertThat(refCnt(upstream.get(2))).isZero();
		List<DataBuffer> written = batches.stream().map(batch -> Flux.from(batch).single().block()).toList();
		assertThat(written.get(0)).isSameAs(upstream.get(0));
		assertThat(written.get(1).toString(StandardCharsets.UTF_8)).isEqualTo("data: 2\n\ndata: 3\n\n");
		assertThat(written.get(2)).isSameAs(upstream.get(3));
		written.forEach(DataBufferUtils::release);
		assertThat(upstream).allSatisfy(buffer -> assertThat(refCnt(buffer)).isZero());
	}

	@Test
	void aReaderThatReplacesOrConsumesABatchReleasesItsUpstreamBufferAndTheSameEventsKeepIt() {
		DataBuffer first = pooled("data: 1\n\n");
		DataBuffer second = pooled("data: 2\n\n");
		SseBatch.Kept kept = new SseBatch.Kept();
		List<SseBatch> batches = SseBatch.cut(Flux.just(Mono.just(first), Mono.just(second)), POOLED, kept).collectList()
			.block();

		SseBatch same = batches.get(0).with(batches.get(0).events());
		assertThat(same).isSameAs(batches.get(0));
		assertThat(refCnt(first)).isOne();
		SseEvent inserted = SseEvent.of("data: x\n\n".getBytes(StandardCharsets.UTF_8), null);
		SseBatch rewritten = batches.get(0).with(List.of(inserted, batches.get(0).events().get(0)));
		assertThat(refCnt(first)).isZero();
		assertThat(written(rewritten)).isEqualTo("data: x\n\ndata: 1\n\n");

		batches.get(1).release();
		batches.get(1).release(); // twice: nothing more
		assertThat(refCnt(second)).isZero();
		assertThat(written(batches.get(1))).as("its events still there to write").isEqualTo("data: 2\n\n");
	}

	@Test
	void buffersNeverWrittenAreReleasedWhenTheStreamsWriteIsOverAndASecondSubscriptionGetsACopy() {
		DataBuffer first = pooled("data: 1\n\n");
		DataBuffer second = pooled("data: 2\n\n");
		SseBatch.Kept kept = new SseBatch.Kept();
		List<SseBatch> batches = SseBatch.cut(Flux.just(Mono.just(first), Mono.just(second)), POOLED, kept).collectList()
			.block();
		DataBuffer written = Flux.from(batches.get(0)).single().block();

		kept.releaseUnwritten(); // the client left before the second batch was written

		assertThat(refCnt(second)).isZero();
		assertThat(written).isSameAs(first);
		assertThat(refCnt(first)).isOne();
		DataBufferUtils.release(written);
		assertThat(written(batches.get(0))).as("subscribed again: a copy of its events").isEqualTo("data: 1\n\n");
		assertThat(refCnt(first)).isZero();
	}

	@Test
	void aBufferCutAfterTheWriteIsOverIsReleasedAtOnce() {
		DataBuffer late = pooled("data: 1\n\n");
		SseBatch.Kept kept = new SseBatch.Kept();
		kept.releaseUnwritten(); // the client's loop ended the write while the upstream's loop was still cutting

		SseBatch batch = SseBatch.cut(Flux.just(Mono.just(late)), POOLED, kept).single().block();

		assertThat(refCnt(late)).isZero();
		assertThat(written(batch)).isEqualTo("data: 1\n\n");
	}

	private static DataBuffer pooled(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		return POOLED.wrap(buffer(bytes, 0, bytes.length));
	}

	private static int refCnt(DataBuffer buffer) {
		return ((NettyDataBuffer) buffer).getNativeBuffer().refCnt();
	}

	private static String written(SseBatch batch) {
		List<DataBuffer> buffers = Flux.from(batch).collectList().block();
		assertThat(buffers).hasSize(1);
		String text = buffers.get(0).toString(StandardCharsets.UTF_8);
		DataBufferUtils.release(buffers.get(0));
		return text;
	}

	private static ByteBuf buffer(byte[] bytes, int from, int to) {
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(to - from);
		buffer.writeBytes(bytes, from, to - from);
		return buffer;
	}

}
