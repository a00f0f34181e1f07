package dev.kimicode2api;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.context.ConfigurableApplicationContext;

import dev.kimicode2api.routing.RouteFiltersByIdentity;
import dev.kimicode2api.support.FakeUpstream;
import dev.kimicode2api.support.FakeUpstream.Received;

import static dev.kimicode2api.ChatCompletionsTest.JSON;
import static dev.kimicode2api.RetryAndShutdownTest.chat;
import static dev.kimicode2api.RetryAndShutdownTest.http;
import static dev.kimicode2api.RetryAndShutdownTest.port;
import static dev.kimicode2api.RetryAndShutdownTest.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped second-route example, and route misconfiguration failing the start with the bad key named. */
class RouteConfigurationTest {

	static final String ROUTE = "--spring.cloud.gateway.server.webflux.routes[0].";

	@Test
	void theMoonshotProfileAddsASecondUpstream() throws Exception {
		try (FakeUpstream kimi = new FakeUpstream(); FakeUpstream moonshot = new FakeUpstream();
				ConfigurableApplicationContext gateway = start(kimi.baseUrl() + "/coding",
						"--spring.profiles.active=moonshot", "--MOONSHOT_API_BASE_URL=" + moonshot.baseUrl())) {
			moonshot.kimiRules(false); // Moonshot's platform API: no coding-agent gate, no Kimi For Coding checks
			int port = port(gateway);

			HttpResponse<String> response = http.send(chat(port, "{\"model\":\"kimi-k2-precise\",\"messages\":[]}"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			Received received = moonshot.takeRequest();
			assertThat(received.uri()).isEqualTo("/v1/chat/completions");
			assertThat(received.headers().get("User-Agent")).doesNotContain("KimiCLI");
			assertThat(received.bodyText())
				.isEqualTo("{\"model\":\"kimi-k2-0905-preview\",\"messages\":[],\"temperature\":0.2}");

			http.send(chat(port, "{\"model\":\"kimi-for-coding-thinking\"}"), HttpResponse.BodyHandlers.ofString());
			received = kimi.takeRequest();
			assertThat(received.uri()).isEqualTo("/coding/v1/chat/completions");
			assertThat(received.headers().get("User-Agent")).isEqualTo("KimiCLI/0.2.0");
			assertThat(moonshot.requestCount()).isZero();
			// each route's filters merged once, looked up by the route itself (not by hashing its metadata)
			assertThat(gateway.getBean(FilteringWebHandler.class)).isInstanceOf(RouteFiltersByIdentity.class)
				.hasToString("RouteFiltersByIdentity[2 routes' filters merged]");

			JsonNode models = JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(
					java.net.URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
					HttpResponse.BodyHandlers.ofString()).body());
			assertThat(models.get("data").valueStream().map(m -> m.get("id").asString())).contains("kimi-for-coding",
					"kimi-for-coding-thinking", "kimi-k2-0905-preview", "kimi-k2-precise");

			// The Responses bridge in front of Moonshot's chat completions, by YAML alone: the model picks the route.
			moonshot.respond(FakeUpstream.json(200, dev.kimicode2api.support.KimiWire.answer("from moonshot")));
			HttpResponse<String> responses = http.send(java.net.http.HttpRequest.newBuilder(
					java.net.URI.create("http://127.0.0.1:" + port + "/v1/responses"))
				.header("Content-Type", "application/json")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-k2-precise\",\"input\":\"hi\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
			assertThat(JSON.readTree(responses.body()).at("/output/0/content/0/text").asString()).isEqualTo("from moonshot");
			received = moonshot.takeRequest();
			assertThat(received.uri()).isEqualTo("/v1/chat/completions");
			assertThat(JSON.readTree(received.body())).isEqualTo(JSON.readTree(
					"{\"model\":\"kimi-k2-0905-preview\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.2}"));
			assertThat(kimi.requestCount()).isZero();
		}
	}

	/** A profile replaces the whole route list, so it restates the default routes: they must not drift apart. */
	@Test
	void theMoonshotProfileRestatesTheDefaultRoutesExactly() throws Exception {
		List<Map<String, Object>> defaults = routes("application.yml");
		List<Map<String, Object>> profile = new ArrayList<>(routes("application-moonshot.yml"));
		profile.removeIf(route -> route.get("id").toString().startsWith("moonshot-"));
		assertThat(profile).isEqualTo(defaults);
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> routes(String resource) throws Exception {
		try (InputStream in = RouteConfigurationTest.class.getResourceAsStream("/" + resource)) {
			Map<String, Object> node = new Yaml().load(in);
			for (String key : List.of("spring", "cloud", "gateway", "server", "webflux")) {
				node = (Map<String, Object>) node.get(key);
			}
			return (List<Map<String, Object>>) node.get("routes");
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			route without a URL           | id=r,predicates[0]=Path=/x                                          | routes[0].uri
			base URL that is not a URL    | id=r,predicates[0]=Path=/x,uri=api.kimi.com/coding                  | routes[0].uri 'api.kimi.com/coding' is not an absolute URL
			virtual model without model   | id=r,predicates[0]=Path=/x,uri=http://localhost:1,metadata.virtual-models.v.set.thinking=true | routes[0].metadata.virtual-models.v.model is missing
			set value that is not JSON    | id=r,predicates[0]=Path=/x,uri=http://localhost:1,metadata.virtual-models.v.model=m,metadata.virtual-models.v.set.x=not json | routes[0].metadata.virtual-models.v.set.x 'not json' is not valid JSON
			unknown error dialect         | id=r,predicates[0]=Path=/x,uri=http://localhost:1,metadata.error-dialect=soap | routes[0].metadata.error-dialect 'soap' is not one of
			Model predicate without names | id=r,predicates[0]=Path=/x,uri=http://localhost:1,predicates[1].name=Model | routes[0].predicates[1] 'Model' needs the model names
			Model predicate missing a virtual model | id=r,predicates[0]=Model=a,uri=http://localhost:1,metadata.virtual-models.b.model=a | routes[0].metadata.virtual-models.b is not listed in the route's Model predicate
			empty reasoning placeholder   | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0].name=ReasoningMemory,filters[0].args.placeholder= | routes[0].filters[0].args.placeholder '' must be a non-empty text
			misspelt repair switch        | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0].name=KimiRepairs,filters[0].args.schema-type=false | routes[0].filters[0].args.schema-type is not an argument of KimiRepairs; it takes [developer-role, effort, empty-tool-call-content, forced-tool-choice, sampling, schema-any-of-type, schema-empty-enum, schema-types, stream-usage, thinking-frequency-penalty, thinking-headroom-tokens, thinking-off-switch, thinking-presence-penalty, thinking-temperature, thinking-top-p]
			repair switch not a boolean   | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0].name=KimiRepairs,filters[0].args.schema-types=yes please | routes[0].filters[0].args.schema-types 'yes please' must be true or false
			bridge chat path not a path   | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0]=ResponsesBridge=v1/chat/completions | routes[0].filters[0].args._genkey_0 'v1/chat/completions' must be a path such as /v1/chat/completions
			bridge on a route without models | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0]=ResponsesBridge | routes[0].filters[0] 'ResponsesBridge' needs a route that serves models
			bridge chat path with a space | id=r,predicates[0]=Path=/x,uri=http://localhost:1,filters[0].name=ResponsesBridge,filters[0].args.chat-path=/v1/chat completions | routes[0].filters[0].args.chat-path '/v1/chat completions' must be a path such as /v1/chat/completions
			""")
	void misconfigurationFailsTheStartNamingTheKey(String what, String settings, String expected) {
		List<String> args = new ArrayList<>();
		for (String setting : settings.split(",")) {
			args.add(ROUTE + setting);
		}
		assertThatThrownBy(() -> start("http://localhost:1", args.toArray(String[]::new)).close())
			.satisfies(failure -> assertThat(messages(failure))
				.contains("spring.cloud.gateway.server.webflux." + expected));
	}

	@Test
	void noConnectRetriesFailsTheStartNamingTheKeyAndVariable() {
		assertThatThrownBy(() -> start("http://localhost:1", "--UPSTREAM_CONNECT_RETRIES=0").close())
			.satisfies(failure -> assertThat(messages(failure)).contains(
					"spring.cloud.gateway.server.webflux.default-filters[0].args.retries '0' must be a whole number of at least 1",
					"UPSTREAM_CONNECT_RETRIES"));
	}

	static String messages(Throwable failure) {
		StringBuilder all = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

}
