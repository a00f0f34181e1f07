package dev.kimicode2api.responses;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.Json;

/**
 * Builds a Responses {@code response} from a chat completion as it passes, and, for a stream, writes the Responses
 * events that go with each chat chunk: a reasoning item from {@code reasoning_content}, a message item from
 * {@code content}, a function call (or a custom tool call) item per tool call, each opened when its first delta
 * arrives and closed ({@code output_item.done}) when the next one starts or the choice finishes. A plain
 * {@code chat.completion} goes through the same steps as one delta, so both give the same items. Chunks are bound to
 * the few fields read here and events are generated straight into bytes: no tree per event, on either side.
 */
final class ResponseAssembler {

	/** Events follow each other in one buffer, each framed by its own SSE lines: no separator between values. */
	private static final ObjectWriter EVENTS = Json.MAPPER.writer().withRootValueSeparator((String) null);

	// Names written with every event, encoded once (the per-event writing is the bridge's hot path).
	private static final SerializedString TYPE = new SerializedString("type");

	private static final SerializedString SEQUENCE_NUMBER = new SerializedString("sequence_number");

	private static final SerializedString ITEM_ID = new SerializedString("item_id");

	private static final SerializedString OUTPUT_INDEX = new SerializedString("output_index");

	private static final SerializedString DELTA = new SerializedString("delta");

	private static final SerializedString END_OF_EVENT = new SerializedString("\n\n");

	/** Per event type: its {@code event:} line and the start of its {@code data:} line, and its type as a value. */
	private static final Map<String, SerializedString[]> EVENT_TYPES = new ConcurrentHashMap<>();

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

	private @Nullable JsonNode usage;

	private @Nullable String finishReason;

	/** The model the upstream's answer names. */
	private @Nullable String model;

	private int items;

	private int sequence;

	private byte @Nullable [] response;

	private @Nullable String responseText;

	/** The events written since the last {@link #drain()}. */
	private @Nullable ByteArrayOutputStream events;

	private @Nullable JsonGenerator json;

	ResponseAssembler(BridgeContext context, boolean streaming) {
		this.context = context;
		this.streaming = streaming;
	}

	/** {@code response.created} and {@code response.in_progress}. */
	void start() {
		for (String type : List.of("response.created", "response.in_progress")) {
			begin(type).writeName("response");
			writeResponse(json, "in_progress", null);
			end();
		}
	}

	/** The events one {@code chat.completion.chunk} makes. */
	void acceptChunk(ChatChunk chunk) {
		if (chunk.model() != null) {
			model = chunk.model();
		}
		if (chunk.reportedUsage() != null) {
			usage = chunk.reportedUsage();
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
		usage = completion.reportedUsage();
		model = completion.model();
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
		JsonGenerator event = begin(status.equals("completed") ? "response.completed" : "response.incomplete");
		event.writeName("response");
		event.writeRawValue(responseText());
		end();
	}

	/** After an upstream failure mid-stream: open items done, then {@code response.failed}. */
	void fail(String message) {
		close();
		begin("response.failed").writeName("response");
		writeResponse(json, "failed", message);
		end();
	}

	/** The events written since the last call, as SSE bytes. */
	byte[] drain() {
		if (json == null) {
			return new byte[0];
		}
		json.close();
		byte[] bytes = events.toByteArray();
		json = null;
		events = null;
		return bytes;
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
				writeResponse(generator, status(), null);
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
					item(begin("response.output_item.added"), Json.MAPPER.createObjectNode().put("id", openItemId)
						.put("type", "reasoning").set("summary", Json.MAPPER.createArrayNode()));
					end();
					JsonGenerator event = ids(begin("response.reasoning_summary_part.added"));
					event.writeNumberProperty("summary_index", 0);
					event.writeName("part");
					summaryPart(event, "");
					end();
				}
			}
			reasoning.append(reasoningPiece);
			if (streaming) {
				JsonGenerator event = ids(begin("response.reasoning_summary_text.delta"));
				event.writeNumberProperty("summary_index", 0);
				event.writeName(DELTA);
				event.writeString(reasoningPiece);
				end();
			}
		}
		String contentPiece = delta.content() != null ? delta.content() : "";
		if (!contentPiece.isEmpty()) {
			if (open != Kind.MESSAGE) {
				close();
				openItem(Kind.MESSAGE, "msg_");
				if (streaming) {
					item(begin("response.output_item.added"), Json.MAPPER.createObjectNode().put("id", openItemId)
						.put("type", "message").put("status", "in_progress").put("role", "assistant")
						.set("content", Json.MAPPER.createArrayNode()));
					end();
					JsonGenerator event = ids(begin("response.content_part.added"));
					event.writeNumberProperty("content_index", 0);
					event.writeName("part");
					textPart(event, "");
					end();
				}
			}
			text.append(contentPiece);
			if (streaming) {
				JsonGenerator event = ids(begin("response.output_text.delta"));
				event.writeNumberProperty("content_index", 0);
				event.writeName(DELTA);
				event.writeString(contentPiece);
				emptyArray(event, "logprobs");
				end();
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
			call = new Call(openIndex, openItemId);
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
				item(begin("response.output_item.added"), callItem(call, "in_progress"));
				end();
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
					ids(begin("response.custom_tool_call_input.delta")).writeStringProperty("delta", input);
					end();
				}
			}
			else if (streaming) {
				ids(begin("response.function_call_arguments.delta")).writeStringProperty("delta", piece);
				end();
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
					JsonGenerator event = ids(begin("response.reasoning_summary_text.done"));
					event.writeNumberProperty("summary_index", 0);
					event.writeStringProperty("text", all);
					end();
					event = ids(begin("response.reasoning_summary_part.done"));
					event.writeNumberProperty("summary_index", 0);
					event.writeName("part");
					summaryPart(event, all);
					end();
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
					JsonGenerator event = ids(begin("response.output_text.done"));
					event.writeNumberProperty("content_index", 0);
					event.writeStringProperty("text", all);
					emptyArray(event, "logprobs");
					end();
					event = ids(begin("response.content_part.done"));
					event.writeNumberProperty("content_index", 0);
					event.writeName("part");
					textPart(event, all);
					end();
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
						event = ids(begin("response.custom_tool_call_input.done"));
						event.writeStringProperty("input", item.path("input").asString(""));
					}
					else {
						event = ids(begin("response.function_call_arguments.done"));
						event.writeStringProperty("name", item.path("name").asString(""));
						event.writeStringProperty("arguments", call.arguments.toString());
					}
					end();
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
			item(begin("response.output_item.done"), item);
			end();
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

	/**
	 * Opens the next event in the batch: its SSE {@code event:} line, then its JSON's type and sequence number; the
	 * caller writes the rest of its fields and calls {@link #end()}.
	 */
	private JsonGenerator begin(String type) {
		if (json == null) {
			events = new ByteArrayOutputStream(1024);
			json = EVENTS.createGenerator(events);
		}
		SerializedString[] framing = EVENT_TYPES.computeIfAbsent(type,
				name -> new SerializedString[] { new SerializedString("event: " + name + "\ndata: "),
						new SerializedString(name) });
		json.writeRaw(framing[0]);
		json.writeStartObject();
		json.writeName(TYPE);
		json.writeString(framing[1]);
		json.writeName(SEQUENCE_NUMBER);
		json.writeNumber(sequence++);
		return json;
	}

	private void end() {
		json.writeEndObject();
		json.writeRaw(END_OF_EVENT);
	}

	private void item(JsonGenerator event, ObjectNode item) {
		event.writeNumberProperty("output_index", openIndex);
		event.writeName("item");
		event.writeTree(item);
	}

	private JsonGenerator ids(JsonGenerator event) {
		event.writeName(ITEM_ID);
		event.writeString(openItemIdValue);
		event.writeName(OUTPUT_INDEX);
		event.writeNumber(openIndex);
		return event;
	}

	private static void summaryPart(JsonGenerator json, String text) {
		json.writeStartObject();
		json.writeStringProperty("type", "summary_text");
		json.writeStringProperty("text", text);
		json.writeEndObject();
	}

	private static void textPart(JsonGenerator json, String text) {
		json.writeStartObject();
		json.writeStringProperty("type", "output_text");
		json.writeStringProperty("text", text);
		emptyArray(json, "annotations");
		emptyArray(json, "logprobs");
		json.writeEndObject();
	}

	private static void emptyArray(JsonGenerator json, String name) {
		json.writeName(name);
		json.writeStartArray();
		json.writeEndArray();
	}

	/** The response object, every field an OpenAI client reads present (null where unknown). */
	private void writeResponse(JsonGenerator json, String status, @Nullable String error) {
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
		if (status.equals("in_progress")) {
			json.writeNull();
		}
		else {
			writeUsage(json);
		}
		json.writeEndObject();
	}

	/** Chat usage in Responses terms, with the reasoning tokens where the upstream reports them. */
	private void writeUsage(JsonGenerator json) {
		if (usage == null || !usage.isObject()) {
			json.writeNull();
			return;
		}
		long input = usage.path("prompt_tokens").asLong(0);
		long outputTokens = usage.path("completion_tokens").asLong(0);
		json.writeStartObject();
		json.writeNumberProperty("input_tokens", input);
		json.writeObjectPropertyStart("input_tokens_details");
		json.writeNumberProperty("cached_tokens", usage.path("prompt_tokens_details").path("cached_tokens")
			.asLong(usage.path("cached_tokens").asLong(0)));
		json.writeNumberProperty("cache_write_tokens", 0);
		json.writeEndObject();
		json.writeNumberProperty("output_tokens", outputTokens);
		json.writeObjectPropertyStart("output_tokens_details");
		json.writeNumberProperty("reasoning_tokens",
				usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
		json.writeEndObject();
		json.writeNumberProperty("total_tokens", usage.path("total_tokens").asLong(input + outputTokens));
		json.writeEndObject();
	}

	/** A fresh response id: {@code resp_} and 32 hex digits. */
	static String newResponseId() {
		byte[] random = new byte[16];
		java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
		return "resp_" + HexFormat.of().formatHex(random);
	}

}
