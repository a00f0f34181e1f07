package dev.kimicode2api.responses;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.store.Credential;
import dev.kimicode2api.wire.Json;

/**
 * What the bridge learnt from a Responses request and needs again for its response: ids, the model as the client
 * named it, the request's settings to echo, which chat functions stand for custom or namespaced tools, and the
 * conversation so far (to store with the response).
 */
final class BridgeContext {

	private static final String ATTRIBUTE = BridgeContext.class.getName();

	final String responseId;

	final long createdAt;

	final String model;

	final boolean stream;

	final boolean store;

	final @Nullable Credential owner;

	/** The key the client sent, from which its {@link ReasoningSeal} is derived. */
	private final byte @Nullable [] clientKey;

	/** Whether the client asked for {@code reasoning.encrypted_content} in this response. */
	final boolean sealOutput;

	private @Nullable ReasoningSeal seal;

	/**
	 * The request's own fields echoed in the response object (instructions, tools, tool_choice, …), written once as
	 * the properties to splice into each response object: a client's tools can be tens of KB, and a stream writes
	 * the response object three times.
	 */
	final String echoed;

	/** The chat messages of the conversation so far, without the request's {@code instructions}. */
	ArrayNode conversation;

	/** Chat function name to the Responses tool it stands for: {@code custom}, or a namespace's function. */
	final Map<String, ToolOrigin> tools = new HashMap<>();

	record ToolOrigin(boolean custom, @Nullable String namespace, String name) {
	}

	/** The request's fields a response echoes, in OpenAI's order; those the client left out get OpenAI's defaults. */
	private static final List<String> ECHOED = List.of("instructions", "max_output_tokens", "parallel_tool_calls",
			"previous_response_id", "reasoning", "temperature", "text", "tool_choice", "tools", "top_p", "user",
			"metadata");

	/** What the bridge keeps of a Responses request for its response: a new id, the settings to echo, the key. */
	static BridgeContext forRequest(JsonNode request, HttpHeaders headers) {
		boolean wantsSeal = request.path("include").isArray()
				&& request.get("include").toString().contains("\"reasoning.encrypted_content\"");
		ObjectNode echo = Json.MAPPER.createObjectNode();
		for (String field : ECHOED) {
			echo.set(field, request.hasNonNull(field) ? request.get(field) : Json.MAPPER.nullNode());
		}
		if (echo.get("tools").isNull()) {
			echo.putArray("tools");
		}
		if (echo.get("tool_choice").isNull()) {
			echo.put("tool_choice", "auto");
		}
		if (echo.get("parallel_tool_calls").isNull()) {
			echo.put("parallel_tool_calls", true);
		}
		if (echo.get("text").isNull()) {
			echo.putObject("text").putObject("format").put("type", "text");
		}
		if (echo.get("reasoning").isNull()) {
			echo.putObject("reasoning").putNull("effort").putNull("summary");
		}
		if (echo.get("metadata").isNull()) {
			echo.putObject("metadata");
		}
		return new BridgeContext(ResponseObject.newId(), Instant.now().getEpochSecond(), request.get("model").asString(),
				request.path("stream").asBoolean(false), request.path("store").asBoolean(true), Credential.of(headers),
				Credential.keyBytes(headers), wantsSeal, echo, Json.MAPPER.createArrayNode());
	}

	BridgeContext(String responseId, long createdAt, String model, boolean stream, boolean store,
			@Nullable Credential owner, byte @Nullable [] clientKey, boolean sealOutput, ObjectNode echo,
			ArrayNode conversation) {
		this.responseId = responseId;
		this.createdAt = createdAt;
		this.model = model;
		this.stream = stream;
		this.store = store;
		this.owner = owner;
		this.clientKey = clientKey;
		this.sealOutput = sealOutput && clientKey != null;
		String object = withLoneSurrogatesEscaped(Json.MAPPER.writeValueAsString(echo));
		this.echoed = object.length() > 2 ? "," + object.substring(1, object.length() - 1) : "";
		this.conversation = conversation;
	}

	/** The context of a request the bridge translated, for its answer; {@code null} for one it did not. */
	static @Nullable BridgeContext of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	/** Keeps this context with the exchange, from the request half of the bridge to its response half. */
	void attach(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	/**
	 * JSON text with each unpaired surrogate (a client may send {@code "\ud800"}) written as its escape: the echo is
	 * spliced raw into UTF-8 output, where such a char has no form and failed the whole response.
	 */
	static String withLoneSurrogatesEscaped(String json) {
		StringBuilder out = null;
		for (int i = 0; i < json.length(); i++) {
			char c = json.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
				if (out != null) {
					out.append(c).append(json.charAt(i + 1));
				}
				i++;
				continue;
			}
			if (Character.isSurrogate(c)) {
				if (out == null) {
					out = new StringBuilder(json.length() + 16).append(json, 0, i);
				}
				out.append(String.format("\\u%04x", (int) c));
			}
			else if (out != null) {
				out.append(c);
			}
		}
		return out == null ? json : out.toString();
	}

	/**
	 * The seal of this client's key, made when first needed: it opens the client's items whatever this request's
	 * {@code include} says; {@code null} without a key.
	 */
	@Nullable ReasoningSeal seal() {
		if (seal == null && clientKey != null) {
			seal = new ReasoningSeal(clientKey);
		}
		return seal;
	}

}
