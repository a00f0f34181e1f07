package dev.kimicode2api.rewrite;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;

/**
 * The request half of a route filter that bridges another protocol onto chat completions (the
 * {@code ResponsesBridge}): the request body is translated before anything else reads it, so the virtual model and
 * the repairs see a chat request. {@link RequestBodyGlobalFilter} applies it within the one read of the body, and
 * sends the result on with the chat request's path and {@code Accept} in the same request copy as its new body. The
 * filter's response half, its own {@code filter()}, translates the answer back.
 */
public interface RequestTranslation {

	/** The chat request made of the client's body (which is not empty). */
	Mono<Chat> toChat(ServerWebExchange exchange, byte[] body);

	/**
	 * A chat completions request: its body, the path it goes to below the route's uri, and what it accepts back (an
	 * event stream or JSON); a {@code null} path or accept keeps the client's.
	 */
	record Chat(byte[] body, @Nullable String path, @Nullable MediaType accept) {
	}

}
