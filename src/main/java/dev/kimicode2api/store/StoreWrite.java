package dev.kimicode2api.store;

import java.util.function.Supplier;

import reactor.core.publisher.Mono;

/**
 * A write to the agent store at the end of a response: started at most once, when the response ends or when the
 * client leaves right after the last event it needed (Codex closes its connection at {@code response.completed}),
 * and finished even then, because it no longer depends on the response's own subscription. A response that ends
 * normally waits for it, so the client's next turn finds what it wrote.
 */
public final class StoreWrite {

	private final Supplier<Mono<Void>> write;

	private Mono<Void> started;

	public StoreWrite(Supplier<Mono<Void>> write) {
		this.write = write;
	}

	/** Starts the write if it has not started; completes when it is done (or given up by the store). */
	public synchronized Mono<Void> start() {
		if (started == null) {
			started = write.get().cache();
			started.subscribe();
		}
		return started;
	}

}
