package dev.kimicode2api.answer;

import java.util.concurrent.TimeUnit;

import io.netty.handler.timeout.ReadTimeoutHandler;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.stereotype.Component;

import dev.kimicode2api.KimicodeProperties;

/**
 * Ends an upstream response that goes silent for {@code kimicode.upstream.idle-timeout} once its headers arrived.
 * The gateway's own response-timeout covers the wait for headers (long, for thinking models); this covers the gaps
 * between stream events, with no cap on a stream that keeps talking. Reactor Netty removes the handler when the
 * connection goes back to the pool.
 */
@Component
public class UpstreamIdleTimeoutCustomizer implements HttpClientCustomizer {

	private final long idleMillis;

	public UpstreamIdleTimeoutCustomizer(KimicodeProperties properties) {
		this.idleMillis = properties.upstream().idleTimeout().toMillis();
	}

	@Override
	public HttpClient customize(HttpClient httpClient) {
		return httpClient.doOnResponse((response, connection) -> connection
			.addHandlerFirst("kimicode2api.idleTimeout", new ReadTimeoutHandler(idleMillis, TimeUnit.MILLISECONDS)));
	}

}
