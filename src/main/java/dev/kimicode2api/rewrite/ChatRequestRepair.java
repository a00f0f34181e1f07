package dev.kimicode2api.rewrite;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * A route filter that changes a chat request before it goes upstream ({@code ReasoningMemory}, {@code KimiRepairs}),
 * after the virtual model is applied (so it sees whether thinking is on). {@link RequestBodyGlobalFilter} applies the
 * route's repairs in their YAML order, within the one read of the body.
 */
public interface ChatRequestRepair {

	/** Changes {@code request} in place; completes when done (it may wait for the agent store). */
	Mono<Void> repair(ServerWebExchange exchange, ChatRequest request);

}
