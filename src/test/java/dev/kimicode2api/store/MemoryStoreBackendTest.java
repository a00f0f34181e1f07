package dev.kimicode2api.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory store never grows past its bounds, in entries or in bytes, and forgets an entry after its TTL. */
class MemoryStoreBackendTest {

	@Test
	void boundedInEntries() {
		MemoryStoreBackend store = new MemoryStoreBackend(new StoreProperties.Memory(100, DataSize.ofMegabytes(64)));
		for (int i = 0; i < 5_000; i++) {
			store.put(Map.of("k" + i, "small value " + i), Duration.ofHours(1)).block();
		}
		store.cleanUp();
		assertThat(store.size()).isLessThanOrEqualTo(100);
	}

	@Test
	void boundedInBytes() {
		MemoryStoreBackend store = new MemoryStoreBackend(new StoreProperties.Memory(100_000, DataSize.ofKilobytes(200)));
		String value = "x".repeat(10_000); // about 20 kB each as a Java string
		for (int i = 0; i < 1_000; i++) {
			store.put(Map.of("k" + i, value), Duration.ofHours(1)).block();
		}
		store.cleanUp();
		assertThat(store.size()).isBetween(1L, 10L);
	}

	@Test
	void anEntryIsGoneAfterItsTtl() throws InterruptedException {
		MemoryStoreBackend store = new MemoryStoreBackend(new StoreProperties.Memory(100, DataSize.ofMegabytes(1)));
		store.put(Map.of("short", "a"), Duration.ofMillis(50)).block();
		store.put(Map.of("long", "b"), Duration.ofHours(1)).block();
		assertThat(store.get(List.of("short", "long")).block()).containsOnlyKeys("short", "long");
		Thread.sleep(120);
		assertThat(store.get(List.of("short", "long")).block()).containsOnlyKeys("long");
	}

}
