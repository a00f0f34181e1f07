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
 * The batches that pass between the readers of a stream: cut once from the upstream's buffers (each released), handed
 * on as they are, written as one buffer each.
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
