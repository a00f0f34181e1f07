package dev.kimicode2api.responses;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.metrics.Usage;
import dev.kimicode2api.web.RequestRecord;

import static dev.kimicode2api.responses.ResponsesRequestTranslator.JSON;

/**
 * Builds a Responses {@code response} from a chat completion as it passes, and the Responses stream events that go
 * with each chat chunk: a reasoning item from {@code reasoning_content}, a message item from {@code content}, a
 * function call (or a custom tool call) item per tool call, each opened when its first delta arrives and closed
 * ({@code output_item.done}) when the next one starts or the choice finishes. A plain {@code chat.completion} goes
 * through the same steps as one delta, so both give the same items.
 */
final class ResponseAssembler {

	/** One Responses stream event: its type and its JSON (without the sequence number). */
	record Event(String type, ObjectNode data) {
	}

	private enum Kind {

		REASONING, MESSAGE, CALL

	}

	private static final class Call {

		final int outputIndex;

		final String itemId;

		String callId = "";

		String name = "";

		final StringBuilder arguments = new StringBuilder();

		@Nullable IncrementalJsonString customInput;

		BridgeContext.@Nullable ToolOrigin origin;

		Call(int outputIndex, String itemId) {
			this.outputIndex = outputIndex;
			this.itemId = itemId;
		}

	}

	private final BridgeContext context;

	private final ArrayNode output = JSON.createArrayNode();

	private final List<Event> events = new ArrayList<>();

	private final StringBuilder reasoning = new StringBuilder();

	private final StringBuilder text = new StringBuilder();

	private final Map<Integer, Call> calls = new TreeMap<>();

	private @Nullable Kind open;

	private @Nullable Call openCall;

	private int openIndex;

	private String openItemId = "";

	private @Nullable JsonNode usage;

	private @Nullable String finishReason;

	private int items;

	ResponseAssembler(BridgeContext context) {
		this.context = context;
	}

	/** {@code response.created} and {@code response.in_progress}. */
	List<Event> start() {
		ObjectNode response = response("in_progress");
		emit("response.created", JSON.createObjectNode().set("response", response));
		emit("response.in_progress", JSON.createObjectNode().set("response", response));
		return drain();
	}

	/** The events one {@code chat.completion.chunk} makes. */
	List<Event> acceptChunk(JsonNode chunk) {
		if (chunk.hasNonNull("usage")) {
			usage = chunk.get("usage");
		}
		for (JsonNode choice : chunk.path("choices")) {
			if (choice.path("index").asInt(0) != 0) {
				continue; // one output per response: the first choice
			}
			delta(choice.path("delta"));
			if (choice.hasNonNull("finish_reason")) {
				finishReason = choice.get("finish_reason").asString();
				close();
			}
		}
		return drain();
	}

	/** A whole {@code chat.completion}, as one delta. */
	void acceptCompletion(JsonNode completion) {
		usage = completion.get("usage");
		for (JsonNode choice : completion.path("choices")) {
			if (choice.path("index").asInt(0) != 0) {
				continue;
			}
			ObjectNode delta = (ObjectNode) choice.path("message"); // the parsed answer is this assembler's own
			JsonNode toolCalls = delta.path("tool_calls");
			for (int i = 0; i < toolCalls.size(); i++) {
				((ObjectNode) toolCalls.get(i)).put("index", i);
			}
			delta(delta);
			finishReason = choice.path("finish_reason").asString("stop");
			close();
		}
		events.clear();
	}

	/** The closing events: open items done, then {@code response.completed} (or {@code .incomplete}). */
	List<Event> finish() {
		close();
		String status = status();
		ObjectNode data = JSON.createObjectNode().set("response", response(status));
		emit(status.equals("completed") ? "response.completed" : "response.incomplete", data);
		return drain();
	}

	/** After an upstream failure mid-stream: open items done, then {@code response.failed}. */
	List<Event> fail(String message) {
		close();
		ObjectNode response = response("failed");
		response.putObject("error").put("code", "server_error").put("message", message);
		emit("response.failed", JSON.createObjectNode().set("response", response));
		return drain();
	}

	/** Whether the upstream said how the choice ended (a stream that stops before that was cut off). */
	boolean finished() {
		return finishReason != null;
	}

	/** The final response object. */
	ObjectNode response() {
		return response(status());
	}

	/** The turn as a chat assistant message, for the stored conversation. */
	ObjectNode assistantMessage() {
		ObjectNode message = JSON.createObjectNode().put("role", "assistant");
		if (!text.isEmpty()) {
			message.put("content", text.toString());
		}
		if (!reasoning.isEmpty()) {
			message.put("reasoning_content", reasoning.toString());
		}
		if (!calls.isEmpty()) {
			ArrayNode toolCalls = message.putArray("tool_calls");
			calls.values().forEach(call -> {
				ObjectNode toolCall = toolCalls.addObject().put("id", call.callId).put("type", "function");
				toolCall.putObject("function").put("name", call.name).put("arguments", call.arguments.toString());
			});
		}
		return message;
	}

	private String status() {
		return "length".equals(finishReason) || "content_filter".equals(finishReason) ? "incomplete" : "completed";
	}

	private void delta(JsonNode delta) {
		String reasoningPiece = delta.path("reasoning_content").asString("");
		if (!reasoningPiece.isEmpty()) {
			if (open != Kind.REASONING) {
				close();
				openItem(Kind.REASONING, "rs_");
				emit("response.output_item.added", item(JSON.createObjectNode()
					.put("id", openItemId).put("type", "reasoning").set("summary", JSON.createArrayNode())));
				emit("response.reasoning_summary_part.added", ids().put("summary_index", 0)
					.set("part", summaryPart("")));
			}
			reasoning.append(reasoningPiece);
			emit("response.reasoning_summary_text.delta", ids().put("summary_index", 0).put("delta", reasoningPiece));
		}
		String contentPiece = delta.path("content").isString() ? delta.path("content").asString() : "";
		if (!contentPiece.isEmpty()) {
			if (open != Kind.MESSAGE) {
				close();
				openItem(Kind.MESSAGE, "msg_");
				emit("response.output_item.added", item(JSON.createObjectNode().put("id", openItemId)
					.put("type", "message").put("status", "in_progress").put("role", "assistant")
					.set("content", JSON.createArrayNode())));
				emit("response.content_part.added", ids().put("content_index", 0).set("part", textPart("")));
			}
			text.append(contentPiece);
			emit("response.output_text.delta", ids().put("content_index", 0).put("delta", contentPiece)
				.set("logprobs", JSON.createArrayNode()));
		}
		for (JsonNode fragment : delta.path("tool_calls")) {
			toolCallFragment(fragment);
		}
	}

	private void toolCallFragment(JsonNode fragment) {
		int index = fragment.path("index").asInt(calls.size());
		Call call = calls.get(index);
		if (call == null) {
			close();
			String name = fragment.path("function").path("name").asString("");
			BridgeContext.ToolOrigin origin = context.tools.get(name);
			openItem(Kind.CALL, origin != null && origin.custom() ? "ctc_" : "fc_");
			call = new Call(openIndex, openItemId);
			call.callId = fragment.path("id").asString("call_" + context.responseId.substring(5) + "_" + index);
			call.name = name;
			call.origin = origin;
			if (call.origin != null && call.origin.custom()) {
				call.customInput = new IncrementalJsonString();
			}
			calls.put(index, call);
			openCall = call;
			emit("response.output_item.added", item(callItem(call, "in_progress")));
		}
		else if (call != openCall) {
			return; // a fragment for a call already closed: nothing sound to do with it
		}
		String piece = fragment.path("function").path("arguments").asString("");
		if (!piece.isEmpty()) {
			call.arguments.append(piece);
			if (call.customInput != null) {
				String input = call.customInput.accept(piece);
				if (!input.isEmpty()) {
					emit("response.custom_tool_call_input.delta", ids().put("delta", input));
				}
			}
			else {
				emit("response.function_call_arguments.delta", ids().put("delta", piece));
			}
		}
	}

	private void openItem(Kind kind, String prefix) {
		open = kind;
		openIndex = items++;
		openItemId = prefix + context.responseId.substring(5) + "_" + openIndex;
	}

	/** Ends the open item: its closing events and {@code output_item.done} with the whole item. */
	private void close() {
		if (open == null) {
			return;
		}
		switch (open) {
			case REASONING -> {
				String all = reasoning.toString();
				emit("response.reasoning_summary_text.done", ids().put("summary_index", 0).put("text", all));
				emit("response.reasoning_summary_part.done", ids().put("summary_index", 0).set("part", summaryPart(all)));
				ObjectNode item = JSON.createObjectNode().put("id", openItemId).put("type", "reasoning");
				item.putArray("summary").add(summaryPart(all));
				item.putArray("content").addObject().put("type", "reasoning_text").put("text", all);
				ReasoningSeal seal = context.sealOutput ? context.seal() : null;
				if (seal != null) {
					item.put("encrypted_content", seal.seal(all));
				}
				done(item);
			}
			case MESSAGE -> {
				String all = text.toString();
				emit("response.output_text.done", ids().put("content_index", 0).put("text", all)
					.set("logprobs", JSON.createArrayNode()));
				emit("response.content_part.done", ids().put("content_index", 0).set("part", textPart(all)));
				ObjectNode item = JSON.createObjectNode().put("id", openItemId).put("type", "message")
					.put("status", "completed").put("role", "assistant");
				item.putArray("content").add(textPart(all));
				done(item);
			}
			case CALL -> {
				Call call = openCall;
				ObjectNode item = callItem(call, "completed");
				if (call.customInput != null) {
					emit("response.custom_tool_call_input.done", ids().put("input", item.path("input").asString("")));
				}
				else {
					emit("response.function_call_arguments.done", ids().put("name", item.path("name").asString(""))
						.put("arguments", call.arguments.toString()));
				}
				done(item);
				openCall = null;
			}
		}
		open = null;
	}

	private void done(ObjectNode item) {
		output.add(item);
		emit("response.output_item.done", item(item));
	}

	private ObjectNode callItem(Call call, String status) {
		BridgeContext.ToolOrigin origin = call.origin;
		ObjectNode item = JSON.createObjectNode().put("id", call.itemId);
		if (origin != null && origin.custom()) {
			item.put("type", "custom_tool_call").put("status", status).put("call_id", call.callId)
				.put("name", origin.name()).put("input", status.equals("completed") ? customInput(call) : "");
			return item;
		}
		item.put("type", "function_call").put("status", status).put("call_id", call.callId)
			.put("name", origin != null ? origin.name() : call.name)
			.put("arguments", call.arguments.toString());
		if (origin != null && origin.namespace() != null) {
			item.put("namespace", origin.namespace());
		}
		return item;
	}

	/** A custom tool's raw input: the {@code input} of the arguments the model wrote, else the arguments as text. */
	private static String customInput(Call call) {
		String arguments = call.arguments.toString();
		try {
			JsonNode parsed = JSON.readTree(arguments);
			if (parsed.path("input").isString()) {
				return parsed.get("input").asString();
			}
		}
		catch (JacksonException ignored) {
			// not the JSON asked for: the model's text is passed on as it is
		}
		return arguments;
	}

	private ObjectNode item(ObjectNode item) {
		return JSON.createObjectNode().put("output_index", openIndex).set("item", item);
	}

	private ObjectNode ids() {
		return JSON.createObjectNode().put("item_id", openItemId).put("output_index", openIndex);
	}

	private static ObjectNode summaryPart(String text) {
		return JSON.createObjectNode().put("type", "summary_text").put("text", text);
	}

	private static ObjectNode textPart(String text) {
		ObjectNode part = JSON.createObjectNode().put("type", "output_text").put("text", text);
		part.putArray("annotations");
		part.putArray("logprobs");
		return part;
	}

	private void emit(String type, ObjectNode data) {
		events.add(new Event(type, data));
	}

	private List<Event> drain() {
		List<Event> drained = new ArrayList<>(events);
		events.clear();
		return drained;
	}

	/** The response object, every field an OpenAI client reads present (null where unknown). */
	private ObjectNode response(String status) {
		ObjectNode response = JSON.createObjectNode();
		response.put("id", context.responseId);
		response.put("object", "response");
		response.put("created_at", context.createdAt);
		response.put("status", status);
		response.put("background", false);
		response.putNull("error");
		if (status.equals("incomplete")) {
			response.putObject("incomplete_details")
				.put("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
		}
		else {
			response.putNull("incomplete_details");
		}
		response.set("instructions", context.echo.get("instructions"));
		response.set("max_output_tokens", context.echo.get("max_output_tokens"));
		response.putNull("max_tool_calls");
		response.put("model", context.model);
		// the items are whole once done: the response shares them rather than copying
		response.set("output", status.equals("in_progress") ? JSON.createArrayNode() : output);
		response.set("parallel_tool_calls", context.echo.get("parallel_tool_calls"));
		response.set("previous_response_id", context.echo.get("previous_response_id"));
		response.set("reasoning", context.echo.get("reasoning"));
		response.put("service_tier", "default");
		response.put("store", context.store);
		response.set("temperature", context.echo.get("temperature"));
		response.set("text", context.echo.get("text"));
		response.set("tool_choice", context.echo.get("tool_choice"));
		response.set("tools", context.echo.get("tools"));
		response.put("top_logprobs", 0);
		response.set("top_p", context.echo.get("top_p"));
		response.put("truncation", "disabled");
		response.set("usage", status.equals("in_progress") ? JSON.nullNode() : usage());
		response.set("user", context.echo.get("user"));
		response.set("metadata", context.echo.get("metadata"));
		return response;
	}

	/** Hands the upstream's token counts, once reported, to the request's metrics and access line. */
	void recordUsage(RequestRecord record) {
		if (usage != null && usage.isObject()) {
			long prompt = usage.path("prompt_tokens").asLong(0);
			long completion = usage.path("completion_tokens").asLong(0);
			record.usage(new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion)));
		}
	}

	/** Chat usage in Responses terms, with the reasoning tokens where the upstream reports them. */
	private JsonNode usage() {
		if (usage == null || !usage.isObject()) {
			return JSON.nullNode();
		}
		long input = usage.path("prompt_tokens").asLong(0);
		long outputTokens = usage.path("completion_tokens").asLong(0);
		ObjectNode mapped = JSON.createObjectNode();
		mapped.put("input_tokens", input);
		mapped.putObject("input_tokens_details")
			.put("cached_tokens", usage.path("prompt_tokens_details").path("cached_tokens")
				.asLong(usage.path("cached_tokens").asLong(0)))
			.put("cache_write_tokens", 0);
		mapped.put("output_tokens", outputTokens);
		mapped.putObject("output_tokens_details").put("reasoning_tokens",
				usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
		mapped.put("total_tokens", usage.path("total_tokens").asLong(input + outputTokens));
		return mapped;
	}

	/** A fresh response id: {@code resp_} and 32 hex digits. */
	static String newResponseId() {
		byte[] random = new byte[16];
		java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
		return "resp_" + HexFormat.of().formatHex(random);
	}

}
