package dev.kimicode2api.quota;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import dev.kimicode2api.wire.Json;

/**
 * Polls {@code GET <route uri>/v1/usages} every {@code kimicode.quota.poll.interval} with a key the gateway holds
 * (the sidecar case), when {@code kimicode.quota.poll.enabled}: gauges of each window's used share and seconds to
 * reset ({@link QuotaMetrics}), and one WARN when a window passes {@code warn-at} (again only once it fell back
 * below, after its reset). The key is {@code kimicode.quota.poll.key}, else the one the route itself sets on its
 * requests (a {@code SetRequestHeader} or {@code AddRequestHeader} filter for {@code Authorization} or
 * {@code x-api-key}); neither is ever logged. Sent over the gateway's own Reactor Netty client (its connect timeout,
 * pool, proxy settings), with the route's User-Agent.
 */
@Component
public class QuotaPoller implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(QuotaPoller.class);

	private static final Set<String> KEY_HEADERS = Set.of("authorization", "x-api-key");

	private final QuotaProperties.Poll settings;

	private final QuotaMetrics metrics;

	private final @Nullable Target target;

	private final ObjectProvider<HttpClient> httpClient;

	private final Set<String> warned = new HashSet<>();

	private volatile @Nullable Disposable polling;

	private boolean failing;

	/** Where and how to poll. */
	record Target(URI url, String keyHeader, String key, @Nullable String userAgent) {

		@Override
		public String toString() {
			return url + " (" + keyHeader + " from the gateway's settings)"; // never the key
		}

	}

	public QuotaPoller(QuotaProperties properties, QuotaMetrics metrics, GatewayProperties gateway,
			ObjectProvider<HttpClient> httpClient) {
		this.settings = properties.poll();
		this.metrics = metrics;
		this.httpClient = httpClient;
		this.target = settings.enabled() ? target(settings, gateway.getRoutes()) : null;
	}

	/** The poll's URL, key and User-Agent from the route's definition; start-up fails naming what is missing. */
	static Target target(QuotaProperties.Poll settings, List<RouteDefinition> routes) {
		if (settings.interval().compareTo(Duration.ofSeconds(10)) < 0) {
			throw new IllegalStateException("kimicode.quota.poll.interval must be at least 10s, not "
					+ settings.interval());
		}
		int index = -1;
		for (int i = 0; i < routes.size(); i++) {
			if (routes.get(i).getId().equals(settings.route())) {
				index = i;
			}
		}
		if (index < 0) {
			throw new IllegalStateException("kimicode.quota.poll.route '" + settings.route() + "' is not a route"
					+ " id of spring.cloud.gateway.server.webflux.routes");
		}
		RouteDefinition route = routes.get(index);
		String keyHeader = HttpHeaders.AUTHORIZATION;
		String key = settings.key() == null || settings.key().isBlank() ? null : bearer(settings.key().strip());
		if (key == null) {
			for (FilterDefinition filter : route.getFilters()) {
				if (!filter.getName().equals("SetRequestHeader") && !filter.getName().equals("AddRequestHeader")) {
					continue;
				}
				Map<String, String> args = filter.getArgs();
				String name = args.containsKey("name") ? args.get("name") : args.get("_genkey_0");
				String value = args.containsKey("value") ? args.get("value") : args.get("_genkey_1");
				if (name != null && value != null && !value.isBlank()
						&& KEY_HEADERS.contains(name.strip().toLowerCase(java.util.Locale.ROOT))) {
					keyHeader = name.strip();
					key = value.strip();
				}
			}
		}
		if (key == null) {
			throw new IllegalStateException("kimicode.quota.poll.enabled is true but there is no key to poll with: set"
					+ " kimicode.quota.poll.key (KIMICODE_QUOTA_POLL_KEY), or let route " + settings.route()
					+ " (spring.cloud.gateway.server.webflux.routes[" + index + "]) set it with"
					+ " SetRequestHeader=Authorization, Bearer <key>");
		}
		String base = route.getUri().toString();
		URI url = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/usages");
		Object agent = route.getMetadata().get("user-agent");
		return new Target(url, keyHeader, key, agent == null ? null : agent.toString());
	}

	private static String bearer(String key) {
		return key.regionMatches(true, 0, "Bearer ", 0, 7) ? key : "Bearer " + key;
	}

	@Override
	public void start() {
		if (target == null) {
			return;
		}
		HttpClient client = httpClient.getIfUnique(HttpClient::create);
		WebClient web = WebClient.builder().clientConnector(new ReactorClientHttpConnector(client)).build();
		log.info("Quota poller: GET {} every {}", target, settings.interval());
		polling = Flux.interval(Duration.ZERO, settings.interval())
			.onBackpressureDrop()
			.concatMap(tick -> poll(web).onErrorResume(error -> {
				failed(error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()));
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	private Mono<Void> poll(WebClient web) {
		return web.get()
			.uri(target.url())
			.headers(headers -> {
				headers.set(target.keyHeader(), target.key());
				headers.setAccept(List.of(MediaType.APPLICATION_JSON));
				if (target.userAgent() != null) {
					headers.set(HttpHeaders.USER_AGENT, target.userAgent());
				}
			})
			.exchangeToMono(response -> response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).map(body -> {
				if (!response.statusCode().is2xxSuccessful()) {
					throw new IllegalStateException("HTTP " + response.statusCode().value());
				}
				return body;
			}))
			.timeout(settings.timeout())
			.doOnNext(this::read)
			.then();
	}

	private void read(byte[] body) {
		JsonNode answer;
		try {
			answer = Json.MAPPER.readTree(body);
		}
		catch (RuntimeException ex) {
			failed("the answer is not JSON");
			return;
		}
		Map<String, QuotaWindow> windows = QuotaWindow.of(answer);
		if (windows.isEmpty()) {
			failed("the answer names no quota window");
			return;
		}
		if (failing) {
			log.info("Quota poller: {} answers again", target.url());
			failing = false;
		}
		metrics.polled(windows);
		windows.values().forEach(this::warnIfHigh);
	}

	private void warnIfHigh(QuotaWindow window) {
		if (window.usedRatio() < settings.warnAt()) {
			warned.remove(window.name());
			return;
		}
		if (warned.add(window.name())) {
			Instant reset = window.resetAt();
			log.warn("Kimi quota: window {} is {}% used (kimicode.quota.poll.warn-at {}%){}", window.name(),
					Math.round(window.usedRatio() * 1000) / 10.0, Math.round(settings.warnAt() * 1000) / 10.0,
					reset == null ? "" : ", it resets at " + reset);
		}
	}

	/** One WARN when polls start failing, then only the counter, until one succeeds again. */
	private void failed(String why) {
		metrics.pollFailed();
		if (!failing) {
			failing = true;
			log.warn("Quota poller: GET {} failed: {} (counted in kimicode2api_quota_poll_errors_total; next try in {})",
					target.url(), why, settings.interval());
		}
	}

	@Override
	public void stop() {
		Disposable running = polling;
		if (running != null) {
			running.dispose();
		}
		polling = null;
	}

	@Override
	public boolean isRunning() {
		return polling != null;
	}

}
