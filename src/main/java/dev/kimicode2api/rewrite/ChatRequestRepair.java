package dev.kimicode2api.rewrite;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * The request half of a route filter that changes a chat request before it goes upstream ({@code ReasoningMemory},
 * {@code KimiRepairs}), after the virtual model is applied (so it sees whether thinking is on).
 * {@link RequestBodyGlobalFilter} applies the route's repairs within the one read of the body, in the order Spring
 * Cloud Gateway sorts the route's filters: by {@code getOrder()} ({@link dev.kimicode2api.FilterOrder}), whatever their
 * order in the YAML. The filter's response half is its own {@code filter()}.
 */
public interface ChatRequestRepair {

	/** Changes {@code request} in place; completes when done (it may wait for the agent store). */
	Mono<Void> repair(ServerWebExchange exchange, ChatRequest request);

}
