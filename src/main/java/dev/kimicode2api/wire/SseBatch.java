package dev.kimicode2api.wire;

import java.nio.ByteBuffer;
import java.util.List;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * The events that one read of the upstream completed, written to the client as one buffer and flushed once, as the
 * upstream's own buffer would have been. It is what passes between the gateway's readers of an event stream: each
 * {@code writeAndFlushWith} gets a stream of batches from the reader below it and hands batches on, so the events a
 * reader sees are the ones the first reader cut, with whatever each has parsed already.
 */
public final class SseBatch implements Publisher<DataBuffer> {

	private final List<SseEvent> events;

	private final DataBufferFactory buffers;

	public SseBatch(List<SseEvent> events, DataBufferFactory buffers) {
		this.events = events;
		this.buffers = buffers;
	}

	/**
	 * The batches of an event stream as a response decorator receives it: handed on as they are when the reader below
	 * cut them, cut here otherwise (the splitter's last incomplete event comes as a batch of its own at the end).
	 */
	public static Flux<SseBatch> of(Publisher<? extends Publisher<? extends DataBuffer>> body, DataBufferFactory buffers) {
		if (body instanceof HandedOn handedOn) {
			return handedOn.batches; // cut by the reader below: no operators of its own to add
		}
		SseEvents splitter = new SseEvents();
		return DiscardedBuffers.serialisedWithCancel(body)
			.concatMap(written -> written instanceof SseBatch batch ? Mono.just(batch)
					: Flux.from(written).map(buffer -> new SseBatch(splitter.accept(buffer), buffers)))
			.concatWith(Mono.fromSupplier(() -> new SseBatch(rest(splitter), buffers)))
			.filter(batch -> !batch.events.isEmpty());
	}

	/**
	 * What a reader passes to the next one up ({@code super.writeAndFlushWith}): its batches, marked so that the next
	 * reader's {@link #of} takes them as they are. Cutting again would cost every stream a few operators per reader.
	 */
	public static Flux<SseBatch> handOn(Flux<SseBatch> batches) {
		return new HandedOn(batches);
	}

	private static final class HandedOn extends Flux<SseBatch> {

		private final Flux<SseBatch> batches;

		HandedOn(Flux<SseBatch> batches) {
			this.batches = batches;
		}

		@Override
		public void subscribe(CoreSubscriber<? super SseBatch> actual) {
			batches.subscribe(actual);
		}

	}

	private static List<SseEvent> rest(SseEvents splitter) {
		byte[] rest = splitter.rest();
		return rest.length == 0 ? List.of() : List.of(SseEvent.of(rest));
	}

	public List<SseEvent> events() {
		return events;
	}

	/** Other events in place of these (a rewrite's, never none: a batch is written as its first to last event). */
	public SseBatch with(List<SseEvent> events) {
		return new SseBatch(events, buffers);
	}

	/** One buffer per subscription: the events' bytes, wrapped where they lie side by side in one array. */
	@Override
	public void subscribe(Subscriber<? super DataBuffer> subscriber) {
		Mono.fromSupplier(this::buffer).subscribe(subscriber);
	}

	private DataBuffer buffer() {
		SseEvent first = events.get(0);
		SseEvent last = events.get(events.size() - 1);
		boolean contiguous = true;
		int length = 0;
		for (int i = 0; i < events.size(); i++) {
			SseEvent event = events.get(i);
			length += event.length();
			contiguous &= event.array() == first.array() && (i == 0 || event.from() == events.get(i - 1).to());
		}
		if (contiguous) {
			return buffers.wrap(ByteBuffer.wrap(first.array(), first.from(), last.to() - first.from()));
		}
		byte[] joined = new byte[length];
		int at = 0;
		for (SseEvent event : events) {
			System.arraycopy(event.array(), event.from(), joined, at, event.length());
			at += event.length();
		}
		return buffers.wrap(joined);
	}

}
