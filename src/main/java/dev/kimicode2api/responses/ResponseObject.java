package dev.kimicode2api.responses;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.node.ArrayNode;

import dev.kimicode2api.wire.Usage;

/** The Responses {@code response} object, every field an OpenAI client reads present (null where unknown). */
final class ResponseObject {

	private ResponseObject() {
	}

	/** A fresh response id: {@code resp_} and 32 hex digits. */
	static String newId() {
		byte[] random = new byte[16];
		ThreadLocalRandom.current().nextBytes(random);
		return "resp_" + HexFormat.of().formatHex(random);
	}

	/**
	 * @param status {@code in_progress} (no output or usage yet), {@code completed}, {@code incomplete} or
	 * {@code failed}
	 * @param error the failure's message ({@code failed} only)
	 * @param finishReason the chat choice's, which says why a response is incomplete
	 */
	static void write(JsonGenerator json, BridgeContext context, String status, @Nullable String error,
			@Nullable String finishReason, ArrayNode output, @Nullable Usage usage) {
		json.writeStartObject();
		json.writeStringProperty("id", context.responseId);
		json.writeStringProperty("object", "response");
		json.writeNumberProperty("created_at", context.createdAt);
		json.writeStringProperty("status", status);
		json.writeBooleanProperty("background", false);
		if (error != null) {
			json.writeObjectPropertyStart("error");
			json.writeStringProperty("code", "server_error");
			json.writeStringProperty("message", error);
			json.writeEndObject();
		}
		else {
			json.writeNullProperty("error");
		}
		if (status.equals("incomplete")) {
			json.writeObjectPropertyStart("incomplete_details");
			json.writeStringProperty("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
			json.writeEndObject();
		}
		else {
			json.writeNullProperty("incomplete_details");
		}
		json.writeNullProperty("max_tool_calls");
		// after at least one property, so the generator puts the comma before the next one
		json.writeRaw(context.echoed);
		json.writeStringProperty("model", context.model);
		json.writeName("output");
		if (status.equals("in_progress")) {
			json.writeStartArray();
			json.writeEndArray();
		}
		else {
			json.writeTree(output);
		}
		json.writeStringProperty("service_tier", "default");
		json.writeBooleanProperty("store", context.store);
		json.writeNumberProperty("top_logprobs", 0);
		json.writeStringProperty("truncation", "disabled");
		json.writeName("usage");
		if (status.equals("in_progress") || usage == null) {
			json.writeNull();
		}
		else {
			writeUsage(json, usage);
		}
		json.writeEndObject();
	}

	/** Chat usage in Responses terms, with the cached and reasoning tokens where the upstream reports them. */
	private static void writeUsage(JsonGenerator json, Usage usage) {
		json.writeStartObject();
		json.writeNumberProperty("input_tokens", usage.prompt());
		json.writeObjectPropertyStart("input_tokens_details");
		json.writeNumberProperty("cached_tokens", usage.cached());
		json.writeNumberProperty("cache_write_tokens", 0);
		json.writeEndObject();
		json.writeNumberProperty("output_tokens", usage.completion());
		json.writeObjectPropertyStart("output_tokens_details");
		json.writeNumberProperty("reasoning_tokens", usage.reasoning());
		json.writeEndObject();
		json.writeNumberProperty("total_tokens", usage.total());
		json.writeEndObject();
	}

}
