package dev.kimicode2api.responses;

import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.store.AgentStore;
import dev.kimicode2api.store.Credential;
import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.Json;

/**
 * The bridge's stored responses: each finished response (its JSON as sent to the client) and its conversation, in the
 * agent store under the client's key, for {@code previous_response_id} and {@code GET} / {@code DELETE
 * /v1/responses/{id}}. Another key's response is as unknown as one that never existed.
 */
final class StoredResponses {

	static final String KIND = "response";

	private final AgentStore store;

	private final Duration ttl;

	StoredResponses(AgentStore store, Duration ttl) {
		this.store = store;
		this.ttl = ttl;
	}

	/** The conversation a request's {@code previous_response_id} names (empty without one), a 404 when unknown. */
	Mono<ArrayNode> previousConversation(JsonNode request, @Nullable Credential owner) {
		JsonNode previous = request.get("previous_response_id");
		if (previous != null && !previous.isNull() && !previous.isString()) {
			return Mono.error(ApiException.invalid("previous_response_id",
					"Invalid type for 'previous_response_id': expected a string."));
		}
		String previousId = previous == null || previous.isNull() ? null : previous.asString();
		if (previousId == null) {
			return Mono.just(Json.MAPPER.createArrayNode());
		}
		Mono<Optional<String>> stored = owner == null ? Mono.just(Optional.empty()) : store.get(owner, KIND, previousId);
		return stored.map(found -> found.map(json -> (ArrayNode) Json.MAPPER.readTree(json)
			.get("conversation"))
			.orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "Previous response with id '" + previousId
					+ "' not found.", "previous_response_id", "previous_response_not_found")));
	}

	/** {@code GET /v1/responses/{id}}. */
	Mono<Void> retrieve(ServerWebExchange exchange, String id) {
		Credential owner = Credential.of(exchange.getRequest().getHeaders());
		Mono<Optional<String>> stored = owner == null ? Mono.just(Optional.empty()) : store.get(owner, KIND, id);
		return stored.flatMap(found -> {
			if (found.isEmpty()) {
				return Mono.error(notFound(id));
			}
			JsonNode response = Json.MAPPER.readTree(found.get()).get("response");
			return writeJson(exchange.getResponse(), Json.MAPPER.writeValueAsBytes(response));
		});
	}

	/** {@code DELETE /v1/responses/{id}}. */
	Mono<Void> delete(ServerWebExchange exchange, String id) {
		Credential owner = Credential.of(exchange.getRequest().getHeaders());
		Mono<Boolean> deleted = owner == null ? Mono.just(false) : store.delete(owner, KIND, id);
		return deleted.flatMap(existed -> existed
				? writeJson(exchange.getResponse(), Json.MAPPER.writeValueAsBytes(
						Json.MAPPER.createObjectNode().put("id", id).put("object", "response")
							.put("deleted", true)))
				: Mono.error(notFound(id)));
	}

	/**
	 * Stores the finished response (its JSON as sent to the client) and its conversation, unless the client said
	 * {@code store: false}.
	 */
	Mono<Void> save(BridgeContext context, ResponseAssembler assembler) {
		if (!context.store || context.owner == null) {
			return Mono.empty();
		}
		StringWriter record = new StringWriter(4096);
		try (JsonGenerator json = Json.MAPPER.createGenerator(record)) {
			json.writeStartObject();
			json.writeName("response");
			json.writeRawValue(assembler.responseText());
			json.writeArrayPropertyStart("conversation");
			for (JsonNode message : context.conversation) {
				json.writeTree(message);
			}
			json.writeTree(assembler.assistantMessage());
			json.writeEndArray();
			json.writeEndObject();
		}
		return store.put(context.owner, KIND, Map.of(context.responseId, record.toString()), ttl);
	}

	private static ApiException notFound(String id) {
		return new ApiException(HttpStatus.NOT_FOUND, "Response with id '" + id + "' not found.", null, null);
	}

	private static Mono<Void> writeJson(ServerHttpResponse response, byte[] json) {
		response.setStatusCode(HttpStatus.OK);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		response.getHeaders().setContentLength(json.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(json)));
	}

}
