import java.nio.charset.StandardCharsets;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The thinnest JVM hop, for reference only: a Reactor Netty server and client with no Spring at all, doing the same
 * work per request as the gateway's thinking route (read the body, rewrite the virtual model with Jackson, set the
 * User-Agent, forward, return the answer). No error handling, no routing, no metrics, no logs: it shows what the
 * JVM and Netty alone cost on this machine, next to nginx, in the same run. GET answers 200 (readiness probe).
 *
 * Run with the gateway's own libraries: java -cp 'extracted/lib/*' bench/BareHop.java PORT UPSTREAM_BASE_URL
 */
public class BareHop {

	public static void main(String[] args) {
		int port = Integer.parseInt(args[0]);
		String upstream = args[1];
		JsonMapper json = JsonMapper.builder().build();
		HttpClient client = HttpClient.create(ConnectionProvider.builder("hop").maxConnections(1024).build());
		HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle((request, response) -> request.method().name().equals("GET") ? response.status(200).send()
					: request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
				.flatMap(body -> {
					ObjectNode tree = (ObjectNode) json.readTree(body);
					if ("kimi-for-coding-thinking".equals(tree.path("model").asString())) {
						tree.put("model", "kimi-for-coding");
						tree.put("thinking", true);
					}
					byte[] sent = json.writeValueAsBytes(tree);
					String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION, "");
					return client
						.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json")
							.set(HttpHeaderNames.USER_AGENT, "KimiCLI/0.2.0")
							.set(HttpHeaderNames.AUTHORIZATION, authorization))
						.post()
						.uri(upstream + request.uri())
						.send(ByteBufFlux.fromString(Mono.just(new String(sent, StandardCharsets.UTF_8))))
						.responseSingle((upstreamResponse, answer) -> answer.asByteArray()
							.defaultIfEmpty(new byte[0])
							.flatMap(bytes -> response.status(upstreamResponse.status())
								.header(HttpHeaderNames.CONTENT_TYPE,
										upstreamResponse.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE, "application/json"))
								.sendByteArray(Mono.just(bytes))
								.then()));
				}))
			.bindNow()
			.onDispose()
			.block();
	}

}
