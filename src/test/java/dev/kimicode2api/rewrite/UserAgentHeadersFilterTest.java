package dev.kimicode2api.rewrite;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.kimicode2api.routing.RouteSettingsRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/** Where the filter writes: on the copy made for the upstream call, never into the client's own request. */
class UserAgentHeadersFilterTest {

	private final UserAgentHeadersFilter filter = new UserAgentHeadersFilter(new RouteSettingsRegistry(new GatewayProperties()));

	private static MockServerWebExchange exchange(Map<String, Object> metadata) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.post("/v1/chat/completions").header("User-Agent", "curl/8.0"));
		exchange.getAttributes().put(GATEWAY_ROUTE_ATTR, Route.async()
			.id("r" + metadata.hashCode())
			.uri(URI.create("http://upstream"))
			.predicate(e -> true)
			.metadata(metadata)
			.build());
		return exchange;
	}

	@Test
	void setsTheRoutesUserAgentOnTheCopyItIsGiven() {
		MockServerWebExchange exchange = exchange(Map.of("user-agent", "KimiCLI/1.0"));
		HttpHeaders copy = new HttpHeaders();
		copy.addAll(exchange.getRequest().getHeaders());

		HttpHeaders out = filter.filter(copy, exchange);

		assertThat(out).isSameAs(copy);
		assertThat(out.get(HttpHeaders.USER_AGENT)).containsExactly("KimiCLI/1.0");
		assertThat(exchange.getRequest().getHeaders().getFirst(HttpHeaders.USER_AGENT)).isEqualTo("curl/8.0");
	}

	@Test
	void copiesTheClientsHeadersWhenNoFilterBeforeItDid() {
		MockServerWebExchange exchange = exchange(Map.of("user-agent", "KimiCLI/1.0"));
		HttpHeaders own = exchange.getRequest().getHeaders();

		HttpHeaders out = filter.filter(own, exchange);

		assertThat(out).isNotSameAs(own);
		assertThat(out.get(HttpHeaders.USER_AGENT)).containsExactly("KimiCLI/1.0");
		assertThat(own.getFirst(HttpHeaders.USER_AGENT)).isEqualTo("curl/8.0");
	}

	@Test
	void aRouteWithoutUserAgentChangesNothing() {
		MockServerWebExchange exchange = exchange(Map.of());
		HttpHeaders own = exchange.getRequest().getHeaders();

		assertThat(filter.filter(own, exchange)).isSameAs(own);
	}

}
