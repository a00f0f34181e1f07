package dev.kimicode2api.responses;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.io.SerializedString;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.node.ObjectNode;

import dev.kimicode2api.wire.Json;

/**
 * Writes Responses server-sent events straight into bytes, collected until {@link #drain()}: each event's
 * {@code event:} line, its {@code data:} JSON opening with its type and sequence number (numbered in the order
 * written), and its blank line. Generated, not built: no tree per event, and the names every event has are encoded
 * once (the per-event writing is the bridge's hot path).
 */
final class ResponseEvents {

	/** Events follow each other in one buffer, each framed by its own SSE lines: no separator between values. */
	private static final ObjectWriter EVENTS = Json.MAPPER.writer().withRootValueSeparator((String) null);

	private static final SerializedString TYPE = new SerializedString("type");

	private static final SerializedString SEQUENCE_NUMBER = new SerializedString("sequence_number");

	private static final SerializedString ITEM_ID = new SerializedString("item_id");

	private static final SerializedString OUTPUT_INDEX = new SerializedString("output_index");

	static final SerializedString DELTA = new SerializedString("delta");

	private static final SerializedString END_OF_EVENT = new SerializedString("\n\n");

	/** Per event type: its {@code event:} line and the start of its {@code data:} line, and its type as a value. */
	private static final Map<String, SerializedString[]> EVENT_TYPES = new ConcurrentHashMap<>();

	private int sequence;

	private @Nullable ByteArrayOutputStream events;

	private @Nullable JsonGenerator json;

	/**
	 * Opens the next event: its SSE {@code event:} line, then its JSON's type and sequence number; the caller writes
	 * the rest of its fields and calls {@link #end()}.
	 */
	JsonGenerator begin(String type) {
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

	/** Closes the event {@link #begin} opened. */
	void end() {
		json.writeEndObject();
		json.writeRaw(END_OF_EVENT);
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

	/** An event about one item: its {@code item_id} and {@code output_index}. */
	JsonGenerator beginAbout(String type, SerializedString itemId, int outputIndex) {
		JsonGenerator event = begin(type);
		event.writeName(ITEM_ID);
		event.writeString(itemId);
		event.writeName(OUTPUT_INDEX);
		event.writeNumber(outputIndex);
		return event;
	}

	/** {@code response.output_item.added} or {@code .done}, with the whole item. */
	void item(String type, int outputIndex, ObjectNode item) {
		JsonGenerator event = begin(type);
		event.writeNumberProperty("output_index", outputIndex);
		event.writeName("item");
		event.writeTree(item);
		end();
	}

	static void summaryPart(JsonGenerator json, String text) {
		json.writeStartObject();
		json.writeStringProperty("type", "summary_text");
		json.writeStringProperty("text", text);
		json.writeEndObject();
	}

	static void textPart(JsonGenerator json, String text) {
		json.writeStartObject();
		json.writeStringProperty("type", "output_text");
		json.writeStringProperty("text", text);
		emptyArray(json, "annotations");
		emptyArray(json, "logprobs");
		json.writeEndObject();
	}

	static void emptyArray(JsonGenerator json, String name) {
		json.writeName(name);
		json.writeStartArray();
		json.writeEndArray();
	}

}
