package dev.kimicode2api.client;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

/**
 * Puts {@link ClientProperties} on every client connection: the timeouts ({@link ClientTimeouts}) on each HTTP/1.1
 * connection, and the cap on open connections, which stops accepting at the limit (new clients wait in the listen
 * backlog, as with Tomcat's maxConnections) and accepts again when a connection closes.
 */
@Component
public class ClientConnectionGuard implements NettyServerCustomizer {

	private static final Logger log = LoggerFactory.getLogger(ClientConnectionGuard.class);

	private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final ClientProperties properties;

	private int open;

	private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

	public ClientConnectionGuard(ClientProperties properties) {
		this.properties = properties;
	}

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			if (properties.maxConnections() > 0) {
				admit(channel);
			}
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.HttpCodec) != null) {
				ClientTimeouts timeouts = new ClientTimeouts(properties);
				pipeline.addBefore(NettyPipeline.HttpCodec, "kimicode2api.clientBytes", timeouts.beforeCodec);
				pipeline.addAfter(NettyPipeline.HttpCodec, "kimicode2api.clientTimeouts", timeouts.afterCodec);
			}
		});
	}

	/**
	 * Counts the connection, and at the limit stops accepting. Connections the server had already taken in the same
	 * accept batch are still served (at most a batch, 16 by default, over the limit): closing them would reset clients
	 * that did nothing wrong. Connections open and close far less often than requests pass.
	 */
	private void admit(Channel channel) {
		int max = properties.maxConnections();
		Channel server = channel.parent();
		synchronized (this) {
			open++;
		}
		channel.closeFuture().addListener(closed -> {
			synchronized (this) {
				open--;
			}
			limit(server, max);
		});
		limit(server, max);
	}

	/**
	 * Stops accepting at the limit and accepts again below it, from the current count, on the server channel's own
	 * event loop: only there does a change of its reading take effect at once (from another loop Netty queues it, and
	 * skips it when a read is pending), so once the warning is logged no connection is accepted any more.
	 */
	private void limit(Channel server, int max) {
		if (server == null) {
			return;
		}
		server.eventLoop().execute(() -> {
			int now;
			synchronized (this) {
				now = open;
			}
			boolean full = now >= max;
			if (full != server.config().isAutoRead()) {
				return; // already as it should be
			}
			server.config().setAutoRead(!full);
			long time = System.nanoTime();
			if (full && time - lastWarning >= WARN_EVERY_NANOS) {
				lastWarning = time;
				log.warn("{} client connections open, the limit kimicode.client.max-connections: not accepting new ones"
						+ " until one closes (they wait in the listen backlog; logged at most once a minute)", now);
			}
		});
	}

}
