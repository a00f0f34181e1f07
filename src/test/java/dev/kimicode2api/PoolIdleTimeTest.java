package dev.kimicode2api;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import dev.kimicode2api.support.StaleKeepAliveUpstream;

import static dev.kimicode2api.RetryAndShutdownTest.chat;
import static dev.kimicode2api.RetryAndShutdownTest.http;
import static dev.kimicode2api.RetryAndShutdownTest.port;
import static dev.kimicode2api.RetryAndShutdownTest.start;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * UPSTREAM_POOL_MAX_IDLE_TIME below the upstream's keep-alive: a pooled connection the upstream is about to drop is
 * never reused, so a stale connection ("Connection prematurely closed BEFORE response") never reaches a client. The
 * upstream here drops a connection idle over 1.5 s when the next request arrives; requests come 2 s apart, well
 * inside the 10 s eviction interval, so it is the idle check when a connection is taken from the pool that counts.
 */
class PoolIdleTimeTest {

	static final long KEEP_ALIVE_MS = 1500;

	static final long GAP_MS = 2000;

	@Test
	void idleTimeBelowTheUpstreamKeepAliveNeverReusesAStaleConnection() throws Exception {
		try (StaleKeepAliveUpstream upstream = new StaleKeepAliveUpstream(java.time.Duration.ofMillis(KEEP_ALIVE_MS));
				ConfigurableApplicationContext gateway = start(upstream.baseUrl(), "--UPSTREAM_POOL_MAX_IDLE_TIME=500ms")) {
			int[] statuses = twoRequestsApart(port(gateway));
			assertThat(statuses).containsExactly(200, 200);
			assertThat(upstream.requestsClosedUnanswered()).isZero();
			assertThat(upstream.connectionsOpened()).as("the idle connection was not reused").isEqualTo(2);
		}
	}

	/** The hazard itself, so the test above cannot pass for another reason: idle time above the keep-alive. */
	@Test
	void idleTimeAboveTheUpstreamKeepAliveReusesAStaleConnectionAndTheClientGets502() throws Exception {
		try (StaleKeepAliveUpstream upstream = new StaleKeepAliveUpstream(java.time.Duration.ofMillis(KEEP_ALIVE_MS));
				ConfigurableApplicationContext gateway = start(upstream.baseUrl(), "--UPSTREAM_POOL_MAX_IDLE_TIME=60s")) {
			int[] statuses = twoRequestsApart(port(gateway));
			assertThat(statuses).containsExactly(200, 502);
			assertThat(upstream.requestsClosedUnanswered()).isEqualTo(1);
		}
	}

	private static int[] twoRequestsApart(int port) throws Exception {
		String body = "{\"model\":\"kimi-for-coding\"}";
		HttpResponse<String> first = http.send(chat(port, body), HttpResponse.BodyHandlers.ofString());
		assertThat(first.body()).isEqualTo(StaleKeepAliveUpstream.BODY);
		Thread.sleep(GAP_MS);
		HttpResponse<String> second = http.send(chat(port, body), HttpResponse.BodyHandlers.ofString());
		return new int[] { first.statusCode(), second.statusCode() };
	}

}
