package dev.kimicode2api.responses;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.Usage;

/**
 * Builds the items of a Responses {@code response} from a chat completion as it passes, and, for a stream, has the
 * Responses events that go with each chat chunk written ({@link ResponseEvents}): a reasoning item from
 * {@code reasoning_content}, a message item from {@code content}, a function call (or a custom tool call) item per
 * tool call, each opened when its first delta arrives and closed ({@code output_item.done}) when the next one starts
 * or the choice finishes. A plain {@code chat.completion} goes through the same steps as one delta, so both give the
 * same items. The answer's chunks come as its first reader read them, and events are generated straight into bytes:
 * no tree per event, on either side.
 */
final class ResponseAssembler {

	private enum Kind {

		REASONING, MESSAGE, CALL

	}

	private static final class Call {

		final String itemId;

		String callId = "";

		String name = "";

		final StringBuilder arguments = new StringBuilder();

		@Nullable IncrementalJsonString customInput;

		BridgeContext.@Nullable ToolOrigin origin;

		Call(String itemId) {
			this.itemId = itemId;
		}

	}

	private final BridgeContext context;

	/** Whether events are written (a stream); a plain response only needs the items. */
	private final boolean streaming;

	private final ArrayNode output = Json.MAPPER.createArrayNode();

	private final StringBuilder reasoning = new StringBuilder();

	private final StringBuilder text = new StringBuilder();

	private final Map<Integer, Call> calls = new TreeMap<>();

	private @Nullable Kind open;

	private @Nullable Call openCall;

	private int openIndex;

	private String openItemId = "";

	private SerializedString openItemIdValue = new SerializedString("");

	private @Nullable Usage usage;

	private @Nullable String finishReason;

	private int items;

	private byte @Nullable [] response;

	private @Nullable String responseText;

	/** A stream's events, written as its chunks arrive. */
	private final ResponseEvents events = new ResponseEvents();

	ResponseAssembler(BridgeContext context, boolean streaming) {
		this.context = context;
		this.streaming = streaming;
	}

	/** {@code response.created} and {@code response.in_progress}. */
	void start() {
		for (String type : List.of("response.created", "response.in_progress")) {
			JsonGenerator event = events.begin(type);
			event.writeName("response");
			ResponseObject.write(event, context, "in_progress", null, null, output, null);
			events.end();
		}
	}

	/** The events one {@code chat.completion.chunk} makes. */
	void acceptChunk(ChatChunk chunk) {
		if (chunk.reportedUsage() != null) {
			usage = Usage.of(chunk.reportedUsage(), null);
		}
		for (ChatChunk.Choice choice : chunk.choices()) {
			if (choice.index() != 0) {
				continue; // one output per response: the first choice
			}
			if (choice.delta() != null) {
				delta(choice.delta(), false);
			}
			if (choice.finishReason() != null) {
				finishReason = choice.finishReason();
				close();
			}
		}
	}

	/** A whole {@code chat.completion}, as one delta; {@code false} if it has no message to translate. */
	boolean acceptCompletion(ChatChunk completion) {
		usage = Usage.of(completion.reportedUsage(), null);
		for (ChatChunk.Choice choice : completion.choices()) {
			if (choice.index() != 0) {
				continue;
			}
			if (choice.message() == null) {
				return false;
			}
			delta(choice.message(), true);
			finishReason = choice.finishReason() != null ? choice.finishReason() : "stop";
			close();
		}
		return true;
	}

	/** The closing events: open items done, then {@code response.completed} (or {@code .incomplete}). */
	void finish() {
		close();
		String status = status();
		JsonGenerator event = events.begin(status.equals("completed") ? "response.completed" : "response.incomplete");
		event.writeName("response");
		event.writeRawValue(responseText());
		events.end();
	}

	/** After an upstream failure mid-stream: open items done, then {@code response.failed}. */
	void fail(String message) {
		close();
		JsonGenerator event = events.begin("response.failed");
		event.writeName("response");
		ResponseObject.write(event, context, "failed", message, finishReason, output, usage);
		events.end();
	}

	/** The events written since the last call, as SSE bytes. */
	byte[] drain() {
		return events.drain();
	}

	/** Whether the upstream said how the choice ended (a stream that stops before that was cut off). */
	boolean finished() {
		return finishReason != null;
	}

	/** The final response object's JSON (written once: the stream's last event and the store share it). */
	byte[] response() {
		if (response == null) {
			ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
			try (JsonGenerator generator = Json.MAPPER.createGenerator(out)) {
				ResponseObject.write(generator, context, status(), null, finishReason, output, usage);
			}
			response = out.toByteArray();
		}
		return response;
	}

	/** {@link #response()} as text, decoded once for the last event and the store. */
	String responseText() {
		if (responseText == null) {
			responseText = new String(response(), StandardCharsets.UTF_8);
		}
		return responseText;
	}

	/** The turn as a chat assistant message, for the stored conversation. */
	ObjectNode assistantMessage() {
		ObjectNode message = Json.MAPPER.createObjectNode().put("role", "assistant");
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

	private void delta(ChatChunk.Delta delta, boolean whole) {
		String reasoningPiece = delta.reasoningContent();
		if (reasoningPiece != null && !reasoningPiece.isEmpty()) {
			if (open != Kind.REASONING) {
				close();
				openItem(Kind.REASONING, "rs_");
				if (streaming) {
					events.item("response.output_item.added", openIndex, Json.MAPPER.createObjectNode()
						.put("id", openItemId).put("type", "reasoning").set("summary", Json.MAPPER.createArrayNode()));
					JsonGenerator event = events.beginAbout("response.reasoning_summary_part.added", openItemIdValue, openIndex);
					event.writeNumberProperty("summary_index", 0);
					event.writeName("part");
					ResponseEvents.summaryPart(event, "");
					events.end();
				}
			}
			reasoning.append(reasoningPiece);
			if (streaming) {
				JsonGenerator event = events.beginAbout("response.reasoning_summary_text.delta", openItemIdValue, openIndex);
				event.writeNumberProperty("summary_index", 0);
				event.writeName(ResponseEvents.DELTA);
				event.writeString(reasoningPiece);
				events.end();
			}
		}
		String contentPiece = delta.content() != null ? delta.content() : "";
		if (!contentPiece.isEmpty()) {
			if (open != Kind.MESSAGE) {
				close();
				openItem(Kind.MESSAGE, "msg_");
				if (streaming) {
					events.item("response.output_item.added", openIndex, Json.MAPPER.createObjectNode()
						.put("id", openItemId).put("type", "message").put("status", "in_progress").put("role", "assistant")
						.set("content", Json.MAPPER.createArrayNode()));
					JsonGenerator event = events.beginAbout("response.content_part.added", openItemIdValue, openIndex);
					event.writeNumberProperty("content_index", 0);
					event.writeName("part");
					ResponseEvents.textPart(event, "");
					events.end();
				}
			}
			text.append(contentPiece);
			if (streaming) {
				JsonGenerator event = events.beginAbout("response.output_text.delta", openItemIdValue, openIndex);
				event.writeNumberProperty("content_index", 0);
				event.writeName(ResponseEvents.DELTA);
				event.writeString(contentPiece);
				ResponseEvents.emptyArray(event, "logprobs");
				events.end();
			}
		}
		List<ChatChunk.ToolCallDelta> toolCalls = delta.toolCalls();
		for (int i = 0; i < toolCalls.size(); i++) {
			ChatChunk.ToolCallDelta fragment = toolCalls.get(i);
			// a whole message's calls are numbered by position; a chunk's carry their index
			int index = whole ? i : fragment.index() != null ? fragment.index() : calls.size();
			toolCallFragment(fragment, index);
		}
	}

	private void toolCallFragment(ChatChunk.ToolCallDelta fragment, int index) {
		Call call = calls.get(index);
		if (call == null) {
			close();
			String name = fragment.name() != null ? fragment.name() : "";
			BridgeContext.ToolOrigin origin = context.tools.get(name);
			openItem(Kind.CALL, origin != null && origin.custom() ? "ctc_" : "fc_");
			call = new Call(openItemId);
			call.callId = fragment.id() != null ? fragment.id()
					: "call_" + context.responseId.substring(5) + "_" + index;
			call.name = name;
			call.origin = origin;
			if (call.origin != null && call.origin.custom()) {
				call.customInput = new IncrementalJsonString();
			}
			calls.put(index, call);
			openCall = call;
			if (streaming) {
				events.item("response.output_item.added", openIndex, callItem(call, "in_progress"));
			}
		}
		else if (call != openCall) {
			return; // a fragment for a call already closed: nothing sound to do with it
		}
		String piece = fragment.arguments() != null ? fragment.arguments() : "";
		if (!piece.isEmpty()) {
			call.arguments.append(piece);
			if (call.customInput != null) {
				String input = call.customInput.accept(piece);
				if (!input.isEmpty() && streaming) {
					events.beginAbout("response.custom_tool_call_input.delta", openItemIdValue, openIndex).writeStringProperty("delta", input);
					events.end();
				}
			}
			else if (streaming) {
				events.beginAbout("response.function_call_arguments.delta", openItemIdValue, openIndex).writeStringProperty("delta", piece);
				events.end();
			}
		}
	}

	private void openItem(Kind kind, String prefix) {
		open = kind;
		openIndex = items++;
		openItemId = prefix + context.responseId.substring(5) + "_" + openIndex;
		openItemIdValue = new SerializedString(openItemId);
	}

	/** Ends the open item: its closing events and {@code output_item.done} with the whole item. */
	private void close() {
		if (open == null) {
			return;
		}
		switch (open) {
			case REASONING -> {
				String all = reasoning.toString();
				if (streaming) {
					JsonGenerator event = events.beginAbout("response.reasoning_summary_text.done", openItemIdValue, openIndex);
					event.writeNumberProperty("summary_index", 0);
					event.writeStringProperty("text", all);
					events.end();
					event = events.beginAbout("response.reasoning_summary_part.done", openItemIdValue, openIndex);
					event.writeNumberProperty("summary_index", 0);
					event.writeName("part");
					ResponseEvents.summaryPart(event, all);
					events.end();
				}
				ObjectNode item = Json.MAPPER.createObjectNode().put("id", openItemId).put("type", "reasoning");
				item.putArray("summary").addObject().put("type", "summary_text").put("text", all);
				item.putArray("content").addObject().put("type", "reasoning_text").put("text", all);
				ReasoningSeal seal = context.sealOutput ? context.seal() : null;
				if (seal != null) {
					item.put("encrypted_content", seal.seal(all));
				}
				done(item);
			}
			case MESSAGE -> {
				String all = text.toString();
				if (streaming) {
					JsonGenerator event = events.beginAbout("response.output_text.done", openItemIdValue, openIndex);
					event.writeNumberProperty("content_index", 0);
					event.writeStringProperty("text", all);
					ResponseEvents.emptyArray(event, "logprobs");
					events.end();
					event = events.beginAbout("response.content_part.done", openItemIdValue, openIndex);
					event.writeNumberProperty("content_index", 0);
					event.writeName("part");
					ResponseEvents.textPart(event, all);
					events.end();
				}
				ObjectNode item = Json.MAPPER.createObjectNode().put("id", openItemId).put("type", "message")
					.put("status", "completed").put("role", "assistant");
				ObjectNode part = item.putArray("content").addObject().put("type", "output_text").put("text", all);
				part.putArray("annotations");
				part.putArray("logprobs");
				done(item);
			}
			case CALL -> {
				Call call = openCall;
				ObjectNode item = callItem(call, "completed");
				if (streaming) {
					JsonGenerator event;
					if (call.customInput != null) {
						event = events.beginAbout("response.custom_tool_call_input.done", openItemIdValue, openIndex);
						event.writeStringProperty("input", item.path("input").asString(""));
					}
					else {
						event = events.beginAbout("response.function_call_arguments.done", openItemIdValue, openIndex);
						event.writeStringProperty("name", item.path("name").asString(""));
						event.writeStringProperty("arguments", call.arguments.toString());
					}
					events.end();
				}
				done(item);
				openCall = null;
			}
		}
		open = null;
	}

	private void done(ObjectNode item) {
		output.add(item);
		if (streaming) {
			events.item("response.output_item.done", openIndex, item);
		}
	}

	private ObjectNode callItem(Call call, String status) {
		BridgeContext.ToolOrigin origin = call.origin;
		ObjectNode item = Json.MAPPER.createObjectNode().put("id", call.itemId);
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
			JsonNode parsed = Json.MAPPER.readTree(arguments);
			if (parsed.path("input").isString()) {
				return parsed.get("input").asString();
			}
		}
		catch (JacksonException ignored) {
			// not the JSON asked for: the model's text is passed on as it is
		}
		return arguments;
	}

}
