package dev.kimicode2api;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default base URL on a machine whose DNS cannot resolve the upstream's host (here a {@code .invalid} name, which
 * no resolver may resolve): a 502 {@code proxy_error} naming the host, retried like a refused connection since
 * nothing was sent.
 */
class UnresolvableUpstreamTest {

	static final AtomicInteger connectAttempts = new AtomicInteger();

	/** Counts the gateway's attempts to open an upstream connection (each one resolves the host first). */
	@Configuration(proxyBeanMethods = false)
	static class CountingConnects {

		@Bean
		HttpClientCustomizer countConnects() {
			return client -> client.doOnConnect(config -> connectAttempts.incrementAndGet());
		}

	}

	@Test
	void anUnresolvableHostIsARetried502NamingTheHost() throws Exception {
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(Kimicode2ApiApplication.class,
				CountingConnects.class)
			.run("--server.port=0", "--spring.jmx.enabled=false", "--KIMI_API_BASE_URL=https://kimi-upstream.invalid/coding")) {
			String port = gateway.getEnvironment().getProperty("local.server.port");
			HttpResponse<String> response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"messages\":[]}"))
					.build(), HttpResponse.BodyHandlers.ofString());

			assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
			JsonNode error = JSON.readTree(response.body()).get("error");
			assertThat(error.get("type").asString()).isEqualTo("proxy_error");
			assertThat(error.get("message").asString()).contains("kimi-upstream.invalid", "could not be resolved");
			assertThat(connectAttempts.get()).as("the first attempt and UPSTREAM_CONNECT_RETRIES (2) more").isEqualTo(3);
		}
	}

}
