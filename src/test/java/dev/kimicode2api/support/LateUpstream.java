package dev.kimicode2api.support;

import java.util.concurrent.atomic.AtomicReference;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A stream's source as the upstream connection's event loop is to the client's: it delivers what the test hands it,
 * whatever was requested, and a cancel does not stop it at once (the cancel is on its way to the other event loop,
 * which is delivering meanwhile). For the race of a group offered just as the client leaves.
 */
public final class LateUpstream<T> implements Publisher<T> {

	private final AtomicReference<Subscriber<? super T>> subscriber = new AtomicReference<>();

	@Override
	public void subscribe(Subscriber<? super T> subscriber) {
		this.subscriber.set(subscriber);
		subscriber.onSubscribe(new Subscription() {
			@Override
			public void request(long n) {
			}

			@Override
			public void cancel() {
			}
		});
	}

	/** Delivers {@code item}, cancelled or not. */
	public void deliver(T item) {
		subscriber.get().onNext(item);
	}

}
