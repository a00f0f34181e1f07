package dev.kimicode2api.agent;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.kimicode2api.Kimicode2ApiApplication;
import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.KimiWire;
import dev.kimicode2api.support.LogCapture;

import static dev.kimicode2api.agent.ReasoningMemoryTest.firstTurn;
import static dev.kimicode2api.agent.ReasoningMemoryTest.secondTurn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway replicas sharing a real Redis (a {@code redis-server} with a password, from embedded-redis), the way
 * they run behind a Kubernetes Service: a conversation's first turn lands on one, its second on the other. Then Redis
 * goes slow and goes away, and both keep answering.
 */
class SharedRedisStoreTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	static final FakeUpstream upstream = new FakeUpstream();

	static RedisServer redis;

	static String redisUrl;

	static ConfigurableApplicationContext replicaA;

	static ConfigurableApplicationContext replicaB;

	@BeforeAll
	static void start() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("requirepass s3cret-pw").build();
		redis.start();
		redisUrl = "redis://:s3cret-pw@127.0.0.1:" + port;
		replicaA = replica();
		replicaB = replica();
	}

	static ConfigurableApplicationContext replica() {
		return SpringApplication.run(Kimicode2ApiApplication.class, "--server.port=0", "--spring.jmx.enabled=false",
				"--KIMI_API_BASE_URL=" + upstream.baseUrl(), "--spring.data.redis.url=" + redisUrl,
				"--kimicode.store.timeout=300ms", "--logging.level.dev.kimicode2api.store=DEBUG");
	}

	@AfterAll
	static void stop() throws IOException {
		replicaA.close();
		replicaB.close();
		if (redis.isActive()) {
			redis.stop();
		}
		upstream.close();
	}

	static HttpResponse<String> post(ConfigurableApplicationContext replica, String body, String key)
			throws Exception {
		String port = replica.getEnvironment().getProperty("local.server.port");
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + key)
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	static HttpResponse<String> get(ConfigurableApplicationContext replica, String path) throws Exception {
		String port = replica.getEnvironment().getProperty("local.server.port");
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void aTurnOnOneReplicaFindsTheReasoningTheOtherRemembered_andRedisGoingAwayStopsNothing() throws Exception {
		String key = "sk-replicas-" + UUID.randomUUID();
		String callId = "functions.read_file:0";
		upstream.respond(FakeUpstream.sse(KimiWire.toolTurnStream(List.of("Shared ", "across replicas."), callId,
				"read_file", List.of("{\"path\":", "\"notes.txt\"}")), Duration.ofMillis(2)));
		assertThat(post(replicaA, firstTurn("kimi-for-coding-thinking").replace("{\"model\"", "{\"stream\":true,\"model\""),
				key).statusCode()).isEqualTo(200);
		upstream.takeRequest();

		upstream.respond(FakeUpstream.json(200, KimiWire.answer("buy milk")));
		HttpResponse<String> second = post(replicaB,
				secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"), key);
		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		JsonNode sent = JSON.readTree(upstream.takeRequest().body());
		assertThat(sent.at("/messages/1/reasoning_content").asString()).isEqualTo("Shared across replicas.");

		// In Redis: namespaced keys scoped by the key's hash, with a TTL; never the key itself.
		RedisClient client = RedisClient.create(redisUrl);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			List<String> keys = connection.sync().keys("*");
			assertThat(keys).isNotEmpty().allSatisfy(k -> {
				assertThat(k).startsWith("kimicode2api:reasoning:").doesNotContain(key);
				assertThat(connection.sync().ttl(k)).isBetween(1L, Duration.ofHours(24).toSeconds());
			});

			// A slow Redis: the request waits at most kimicode.store.timeout, then goes on with the placeholder.
			connection.async().dispatch(io.lettuce.core.protocol.CommandType.DEBUG,
					new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
					new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("SLEEP").add("3"));
			Thread.sleep(200);
			upstream.respond(FakeUpstream.json(200, KimiWire.answer("still here")));
			HttpResponse<String> slow = post(replicaB,
					secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"), key);
			assertThat(slow.statusCode()).as(slow.body()).isEqualTo(200);
			assertThat(JSON.readTree(upstream.takeRequest().body()).at("/messages/1/reasoning_content").asString())
				.isEqualTo("[reasoning unavailable]");
		}
		finally {
			client.shutdown();
		}

		// Redis gone: every request is still answered, with the placeholder; one WARN, errors counted, still ready.
		redis.stop();
		LogCapture.clear();
		for (int i = 0; i < 3; i++) {
			upstream.respond(FakeUpstream.json(200, KimiWire.answer("still here")));
			HttpResponse<String> without = post(replicaA,
					secondTurn("kimi-for-coding-thinking", callId, "{\"path\":\"notes.txt\"}", "null"), key);
			assertThat(without.statusCode()).as(without.body()).isEqualTo(200);
			assertThat(JSON.readTree(upstream.takeRequest().body()).at("/messages/1/reasoning_content").asString())
				.isEqualTo("[reasoning unavailable]");
		}
		assertThat(LogCapture.lines().stream().filter(l -> l.contains("Agent store (redis)")).count())
			.as("at most one WARN a minute").isLessThanOrEqualTo(1);
		assertThat(get(replicaA, "/actuator/prometheus").body())
			.containsPattern("kimicode2api_store_errors_total\\{operation=\"get\"} [1-9]");
		assertThat(get(replicaA, "/actuator/health/readiness").statusCode()).isEqualTo(200);
		assertThat(get(replicaA, "/actuator/health").statusCode()).isEqualTo(200);
		assertThat(LogCapture.lines()).noneMatch(l -> l.contains(key) || l.contains("s3cret-pw"));
	}

}
