package dev.kimicode2api.rewrite;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * A route filter that bridges another protocol onto chat completions (the {@code ResponsesBridge}): the request
 * body is translated before anything else reads it, so the virtual model and the repairs see a chat request.
 * {@link RequestBodyGlobalFilter} applies it within the one read of the body.
 */
public interface RequestTranslation {

	/** The chat-completions body for the client's body (which is not empty). */
	Mono<byte[]> toChat(ServerWebExchange exchange, byte[] body);

}
