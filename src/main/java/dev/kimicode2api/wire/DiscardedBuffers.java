package dev.kimicode2api.wire;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Releases the upstream's buffers that a stream's write drops unwritten when the client leaves. Spring Cloud Gateway
 * hands a stream to the response as one {@code Flux.just(buffer)} per upstream read; Reactor Netty's
 * {@code sendGroups}, and any {@code concatMap} on the way, keep up to 32 of them queued while the client is slow. When
 * the client goes, the queued ones are discarded as publishers, which neither Reactor Netty (it releases the
 * {@code ByteBuf}s it is given) nor Spring (it releases {@code DataBuffer}s on a single-buffer write only) looks into:
 * each held a read buffer of the upstream connection, never released (docs/performance.md, "A client that stalls and
 * leaves").
 */
public final class DiscardedBuffers {

	/** How far a discarded publisher is followed to its value: the gateway's groups are a just and two maps. */
	private static final int MAX_DEPTH = 8;

	private DiscardedBuffers() {
	}

	/** The write, with whatever it discards released: a buffer, or the buffer a never-subscribed group held. */
	public static Mono<Void> releasedOnDiscard(Mono<Void> write) {
		return write.doOnDiscard(Object.class, DiscardedBuffers::release);
	}

	/**
	 * The groups of a stream on their way to a {@code concatMap} (Reactor Netty's {@code sendGroups}, a reader's cut),
	 * serialised with its cancel. A group arrives on the upstream connection's event loop and the cancel on the
	 * client's; Reactor's {@code concatMap} clears its queue when cancelled but leaves a group offered just after in
	 * it, undiscarded. Here a group either reaches the {@code concatMap} before the cancel does (its queue is cleared
	 * after) or is released in its place.
	 */
	public static <T> Flux<T> serialisedWithCancel(Publisher<? extends T> groups) {
		return new Flux<T>() {
			@Override
			public void subscribe(CoreSubscriber<? super T> actual) {
				groups.subscribe(new CancelGuard<T>(actual));
			}
		};
	}

	/** See {@link #serialisedWithCancel}: its lock is taken once per group, by one thread at a time but for a cancel. */
	private static final class CancelGuard<T> implements CoreSubscriber<T>, Subscription {

		private final CoreSubscriber<? super T> actual;

		private Subscription upstream;

		private boolean cancelled; // guarded by this

		CancelGuard(CoreSubscriber<? super T> actual) {
			this.actual = actual;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			upstream = subscription;
			actual.onSubscribe(this);
		}

		@Override
		public void onNext(T group) {
			synchronized (this) {
				if (!cancelled) {
					actual.onNext(group);
					return;
				}
			}
			release(group);
		}

		@Override
		public void onError(Throwable error) {
			actual.onError(error);
		}

		@Override
		public void onComplete() {
			actual.onComplete();
		}

		@Override
		public void request(long n) {
			upstream.request(n);
		}

		@Override
		public void cancel() {
			synchronized (this) {
				cancelled = true;
			}
			upstream.cancel();
		}

		@Override
		public Context currentContext() {
			return actual.currentContext();
		}

	}

	/**
	 * A {@link DataBuffer} is released; a publisher is followed through its operators to a scalar source (a
	 * {@code just}), whose buffer is released, since a discarded group was never subscribed and its buffer never
	 * reached anyone. This takes a {@code just} to own its buffer, as every group of a stream's write does (Spring
	 * Cloud Gateway's, the gateway's own): a constant buffer shared by several publishers, or a group that maps its
	 * buffer to a retained slice, would be released once too often. No other hook on a stream's write releases a
	 * {@code DataBuffer} (Spring's are on single-buffer writes); one added inside it would release it a second time.
	 * Netty's own {@code ByteBuf}s are left alone: they appear only below Spring's write barrier, where Reactor Netty
	 * releases those it discards before passing them on here.
	 */
	static void release(Object discarded) {
		if (discarded instanceof DataBuffer buffer) {
			DataBufferUtils.release(buffer);
			return;
		}
		Object source = discarded instanceof Publisher<?> ? discarded : null;
		for (int depth = 0; source != null && depth < MAX_DEPTH; depth++) {
			if (source instanceof Fuseable.ScalarCallable<?> scalar) {
				Object value;
				try {
					value = scalar.call();
				}
				catch (Exception ex) {
					return; // a failing scalar holds no buffer
				}
				if (value instanceof DataBuffer buffer) {
					DataBufferUtils.release(buffer);
				}
				return;
			}
			source = source instanceof Scannable operator ? operator.scanUnsafe(Scannable.Attr.PARENT) : null;
		}
	}

}
