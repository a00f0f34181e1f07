package dev.kimicode2api;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;
import dev.kimicode2api.support.GatewayTest;
import dev.kimicode2api.support.RawHttp;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.ChatCompletionsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two more upstream routes from a YAML file alone ({@code src/test/resources/routes/acme.yml}, given with
 * {@code --spring.config.additional-location} as a user would): the client's {@code model} picks the chat route
 * through the {@code Model} predicate, the new route has its own virtual model, and a route with no
 * {@code user-agent} leaves the client's alone.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		args = { "--spring.config.additional-location=classpath:routes/acme.yml", "--kimicode.max-request-size=64KB" })
class YamlOnlyRouteTest extends GatewayTest {

	/** Routes added by YAML alone, with minimal bodies that today's Kimi would refuse. */
	@Override
	protected boolean kimi2025() {
		return true;
	}


	static final FakeUpstream acme = new FakeUpstream();

	static final String ACME_COMPLETION = """
			{"id":"a1","object":"chat.completion","model":"acme-large","choices":[{"index":0,"message":{"role":"assistant","content":"from acme"},"finish_reason":"stop"}]}""";

	@DynamicPropertySource
	static void acmeUrl(DynamicPropertyRegistry registry) {
		registry.add("ACME_BASE_URL", acme::baseUrl);
	}

	@Test
	void theModelPicksTheRouteAndTheClientsUserAgentIsKept() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		acme.respond(FakeUpstream.json(200, ACME_COMPLETION));
		String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"acme-large\"}";

		HttpResponse<String> response = postJson("/v1/chat/completions", body, "Authorization", "Bearer acme-key",
				"User-Agent", "my-client/1.0");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(ACME_COMPLETION);
		Received received = acme.takeRequest();
		assertThat(received.uri()).isEqualTo("/v1/chat/completions");
		assertThat(received.headers().get("User-Agent")).isEqualTo("my-client/1.0");
		assertThat(received.headers().get("Authorization")).isEqualTo("Bearer acme-key");
		assertThat(received.bodyText()).isEqualTo(body);
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void theNewRoutesVirtualModelIsRewritten() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		postJson("/v1/chat/completions", "{\"model\":\"acme-large-json\",\"temperature\":0.9,\"messages\":[]}");

		Received received = acme.takeRequest();
		assertThat(JSON.readTree(received.body())).isEqualTo(JSON.readTree(
				"{\"model\":\"acme-large\",\"temperature\":0,\"messages\":[],\"response_format\":{\"type\":\"json_object\"}}"));
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void modelsNoRouteClaimsGoToTheDefaultRoute() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		for (String model : List.of("kimi-for-coding", "gpt-4o", "kimi-for-coding-thinking")) {
			HttpResponse<String> response = postJson("/v1/chat/completions",
					"{\"model\":\"" + model + "\",\"messages\":[]}", "User-Agent", "my-client/1.0");
			assertThat(response.statusCode()).isEqualTo(200);
			Received received = upstream.takeRequest();
			assertThat(received.uri()).isEqualTo("/deep/coding/v1/chat/completions");
			assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
			if (model.equals("kimi-for-coding-thinking")) {
				assertThat(received.bodyText()).isEqualTo("{\"model\":\"kimi-for-coding\",\"messages\":[],\"thinking\":true}");
			}
		}
		// No model, or a body that is not JSON, matches no Model route; the default route answers it properly.
		assertError(postJson("/v1/chat/completions", "{\"model\":"), 400, "invalid_request_error");
		assertError(postJson("/v1/chat/completions", "{\"model\":7}"), 400, "invalid_request_error");
		assertThat(postJson("/v1/chat/completions", "{\"messages\":[]}").statusCode()).isEqualTo(200);
		assertThat(upstream.takeRequest().bodyText()).isEqualTo("{\"messages\":[]}");
		assertThat(acme.requestCount()).isZero();
	}

	@Test
	void aBodyTooLargeForThePredicateIsStillA413() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		String big = "{\"model\":\"acme-large\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000)
				+ "\"}]}";
		assertError(postJson("/v1/chat/completions", big), 413, "invalid_request_error");
		assertThat(acme.pollRequest(Duration.ofMillis(200))).isNull();
		assertThat(upstream.requestCount()).isZero();
	}

	@Test
	void streamsFlowThroughAModelRoutedRoute() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		acme.respond(FakeUpstream.sse(List.of("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}",
				"data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", "data: [DONE]"), Duration.ofMillis(50)));

		HttpResponse<String> response = postJson("/v1/chat/completions", "{\"model\":\"acme-large\",\"stream\":true}");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
		assertThat(response.body()).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
				+ "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n");
	}

	@Test
	void aRouteWithoutModelsForwardsItsBodyWithItsOwnUserAgent() throws Exception {
		acme.reset();
		acme.kimiRules(false); // acme is another provider: none of Kimi's checks
		acme.respond(FakeUpstream.json(200, "{\"object\":\"list\",\"data\":[]}"));
		String body = "{\"input\":\"not a chat\",\"model\":\"acme-embed\"}";

		HttpResponse<String> response = postJson("/v1/embeddings", body, "User-Agent", "my-client/1.0");

		assertThat(response.statusCode()).isEqualTo(200);
		Received received = acme.takeRequest();
		assertThat(received.uri()).isEqualTo("/v1/embeddings");
		assertThat(received.headers().get("User-Agent")).isEqualTo("AcmeGateway/1.0");
		assertThat(received.bodyText()).isEqualTo(body);
	}

	/**
	 * On a route without models none of the gateway's readers cut the stream: Spring Cloud Gateway's own groups reach
	 * the client's connection. A client that stops reading and leaves must not leave any of them unreleased (the
	 * class's paranoid leak check; repeated, since what is queued where when it goes varies).
	 */
	@RepeatedTest(6)
	void aStreamOnARouteWithoutModelsLeftByAStalledClientLeavesNoBufferBehind() throws Exception {
		acme.reset();
		acme.kimiRules(false);
		CountDownLatch closed = new CountDownLatch(1);
		acme.respond(FakeUpstream.fastStream(closed));

		RawHttp.readFirstEventStallAndLeave(port, "/v1/embeddings", "{\"input\":\"x\",\"model\":\"acme-embed\"}",
				Duration.ofMillis(300));

		assertThat(closed.await(2, TimeUnit.SECONDS)).as("upstream connection closed").isTrue();
	}

	@Test
	void theModelListAndTheRouteListShowEveryRoute() throws Exception {
		JsonNode models = JSON.readTree(get("/v1/models").body());
		assertThat(models.get("data").valueStream().map(m -> m.get("id").asString() + "/" + m.get("owned_by").asString()))
			.containsExactly("kimi-for-coding/kimicode2api", "kimi-for-coding-thinking/kimicode2api",
					"acme-large/acme", "acme-large-json/acme");

		HttpResponse<String> routes = get("/actuator/gateway/routes");
		assertThat(routes.statusCode()).isEqualTo(200);
		assertThat(routes.body()).contains("Model: [acme-large, acme-large-json]");
	}

}
