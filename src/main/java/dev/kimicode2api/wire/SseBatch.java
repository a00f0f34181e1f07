package dev.kimicode2api.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * The events that one read of the upstream completed, written to the client as one buffer and flushed once, as the
 * upstream's own buffer would have been. It is what passes between the gateway's readers of an event stream: each
 * {@code writeAndFlushWith} gets a stream of batches from the reader below it and hands batches on, so the events a
 * reader sees are the ones the first reader cut, with whatever each has parsed already.
 *
 * <p>A batch the first reader cut from exactly one upstream buffer ({@link #cut}) keeps that buffer, and is written as
 * that very buffer unless a reader replaces its events: the upstream's bytes go on untouched, with no copy and no new
 * buffer per batch. Whoever takes the buffer owns it: the writer (the first subscription), a reader that replaces or
 * consumes the batch ({@link #with}, {@link #release}), or, for a batch never written (the client left), the
 * {@link Kept} of its stream once the write is over.
 */
public final class SseBatch implements Publisher<DataBuffer> {

	private static final VarHandle KEPT;

	static {
		try {
			KEPT = MethodHandles.lookup().findVarHandle(SseBatch.class, "kept", DataBuffer.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final List<SseEvent> events;

	private final DataBufferFactory buffers;

	/** The upstream's buffer these events were cut from, until someone takes it (never taken twice). */
	private volatile @Nullable DataBuffer kept;

	public SseBatch(List<SseEvent> events, DataBufferFactory buffers) {
		this(events, buffers, null, null);
	}

	private SseBatch(List<SseEvent> events, DataBufferFactory buffers, @Nullable DataBuffer kept, @Nullable Kept stream) {
		this.events = events;
		this.buffers = buffers;
		this.kept = kept;
		if (kept != null && stream != null) {
			stream.add(this);
		}
	}

	/**
	 * The first reader's cut of the upstream's buffers, as {@link #of} but keeping each buffer that held whole events
	 * only, to be written on as it came; {@code kept} releases those never written when the stream's write is over.
	 */
	public static Flux<SseBatch> cut(Publisher<? extends Publisher<? extends DataBuffer>> body, DataBufferFactory buffers,
			Kept kept) {
		SseEvents splitter = new SseEvents();
		return Flux.from(body)
			.concatMap(written -> Flux.from(written).map(buffer -> {
				boolean fromEventStart = splitter.atEventEnd();
				List<SseEvent> events = splitter.read(buffer);
				if (fromEventStart && splitter.atEventEnd() && !events.isEmpty()) {
					return new SseBatch(events, buffers, buffer, kept);
				}
				DataBufferUtils.release(buffer);
				return new SseBatch(events, buffers);
			}))
			.concatWith(Mono.fromSupplier(() -> new SseBatch(rest(splitter), buffers)))
			.filter(batch -> !batch.events.isEmpty());
	}

	/** The upstream buffers a stream's batches still keep: released, once the stream's write is over, if never written. */
	public static final class Kept {

		/** In the order cut; those already taken leave from the head (batches are written in order). */
		private final ArrayDeque<SseBatch> batches = new ArrayDeque<>();

		private boolean over;

		private synchronized void add(SseBatch batch) {
			if (over) {
				batch.release(); // cut on the upstream's loop just as the write ended on the client's
				return;
			}
			while (!batches.isEmpty() && batches.peekFirst().kept == null) {
				batches.pollFirst();
			}
			batches.addLast(batch);
		}

		/** Releases the buffers no one took, and any cut after: call when the write is over, however it ended. */
		public synchronized void releaseUnwritten() {
			over = true;
			batches.forEach(SseBatch::release);
			batches.clear();
		}

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
		return Flux.from(body)
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

	/**
	 * Other events in place of these (a rewrite's, never none: a batch is written as its first to last event); the
	 * same list is this batch as it is.
	 */
	public SseBatch with(List<SseEvent> events) {
		if (events == this.events) {
			return this;
		}
		release();
		return new SseBatch(events, buffers);
	}

	/** For a reader that consumes the batch instead of handing it on: its upstream buffer, if it kept one, released. */
	public void release() {
		DataBuffer buffer = take();
		if (buffer != null) {
			DataBufferUtils.release(buffer);
		}
	}

	private @Nullable DataBuffer take() {
		return (DataBuffer) KEPT.getAndSet(this, (DataBuffer) null);
	}

	/**
	 * One buffer per subscription: the upstream's own the first time if the batch kept it, else the events' bytes,
	 * wrapped where they lie side by side in one array. A buffer made for a subscription cancelled meanwhile (the
	 * client left on its own event loop) is discarded by Reactor, and released here: nothing downstream would.
	 */
	@Override
	public void subscribe(Subscriber<? super DataBuffer> subscriber) {
		Mono.fromSupplier(this::buffer).doOnDiscard(DataBuffer.class, DataBufferUtils::release).subscribe(subscriber);
	}

	private DataBuffer buffer() {
		DataBuffer upstream = take();
		if (upstream != null) {
			return upstream;
		}
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
