package dev.kimicode2api.errors;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.kimicode2api.quota.QuotaMetrics;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.support.LateUpstream;

import static org.assertj.core.api.Assertions.assertThat;

/** An error answered as an event stream, whose client leaves while the upstream's event loop is still delivering. */
class UpstreamErrorGlobalFilterTest {

	private final NettyDataBufferFactory factory = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);

	@Test
	void aGroupDeliveredAfterTheClientLeftIsReleased() {
		UpstreamErrorGlobalFilter filter = new UpstreamErrorGlobalFilter(
				new RouteSettingsRegistry(new GatewayProperties()), new QuotaMetrics(new SimpleMeterRegistry()));
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions"));
		exchange.getResponse().setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR);
		LateUpstream<Flux<DataBuffer>> events = new LateUpstream<>();
		NettyDataBuffer before = factory.allocateBuffer(16);
		NettyDataBuffer after = factory.allocateBuffer(16);

		Disposable write = filter.filter(exchange, ex -> ex.getResponse().writeAndFlushWith(events)).subscribe();
		events.deliver(Flux.just(before));
		write.dispose();
		events.deliver(Flux.just(after));

		assertThat(before.getNativeBuffer().refCnt()).as("read, then dropped with the unfinished error body").isZero();
		assertThat(after.getNativeBuffer().refCnt()).as("delivered after the client left").isZero();
	}

}
