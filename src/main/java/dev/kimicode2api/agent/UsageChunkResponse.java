package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import dev.kimicode2api.wire.Bytes;
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.SseEvents;

/**
 * A client that asked {@code stream_options.include_usage} reads the usage from OpenAI's own last chunk: one with no
 * choices and a top-level {@code usage}, before {@code [DONE]}. Kimi puts the usage inside the finishing chunk's
 * {@code choices[0]} instead; when the stream ends without a top-level usage, that chunk is written here, right
 * before {@code [DONE]}. Every other event passes as it came, as soon as it is complete; only events that mention
 * {@code "usage"} are parsed.
 */
final class UsageChunkResponse extends ServerHttpResponseDecorator {

	private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

	private final Runnable added;

	private final SseEvents events = new SseEvents();

	private boolean topLevelSeen;

	private @Nullable ChatChunk finishing;

	private @Nullable JsonNode usage;

	/** @param added told when the chunk was added (to count the repair) */
	UsageChunkResponse(ServerHttpResponse delegate, Runnable added) {
		super(delegate);
		this.added = added;
	}

	@Override
	public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		HttpStatusCode status = getStatusCode();
		if (status != null && !status.is2xxSuccessful()
				|| !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
			return super.writeAndFlushWith(body);
		}
		getHeaders().remove(HttpHeaders.CONTENT_LENGTH);
		return super.writeAndFlushWith(Flux.from(body)
			.concatMap(Flux::from)
			.concatMapIterable(this::accept)
			.concatWith(Mono.fromSupplier(events::rest).filter(rest -> rest.length > 0))
			.map(event -> Mono.fromSupplier(() -> bufferFactory().wrap(event))));
	}

	/** The events one upstream buffer completes (the buffer is released), with the usage chunk before {@code [DONE]}. */
	private List<byte[]> accept(DataBuffer buffer) {
		List<byte[]> completed = events.accept(buffer);
		for (int i = 0; i < completed.size(); i++) {
			byte[] event = completed.get(i);
			byte[] data = SseEvents.dataBytes(event);
			if (data == null) {
				continue;
			}
			if (Bytes.contains(data, USAGE)) {
				read(data);
			}
			else if (!topLevelSeen && usage != null && isDone(data)) {
				List<byte[]> withUsage = new ArrayList<>(completed);
				withUsage.add(i, usageChunk());
				added.run();
				topLevelSeen = true;
				return withUsage;
			}
		}
		return completed;
	}

	private void read(byte[] data) {
		try {
			ChatChunk chunk = ChatChunk.read(data);
			if (chunk.usage() != null && chunk.usage().isObject()) {
				topLevelSeen = true;
			}
			else if (chunk.reportedUsage() != null) {
				usage = chunk.reportedUsage();
				finishing = chunk;
			}
		}
		catch (JacksonException ex) {
			// not a chunk: nothing to take from it
		}
	}

	private static boolean isDone(byte[] data) {
		return new String(data, StandardCharsets.US_ASCII).strip().equals("[DONE]");
	}

	/** OpenAI's usage chunk: the stream's id, created and model, no choices, the usage. */
	private byte[] usageChunk() {
		ObjectNode chunk = Json.MAPPER.createObjectNode();
		if (finishing.id() != null) {
			chunk.put("id", finishing.id());
		}
		chunk.put("object", "chat.completion.chunk");
		if (finishing.created() != null) {
			chunk.put("created", finishing.created());
		}
		if (finishing.model() != null) {
			chunk.put("model", finishing.model());
		}
		chunk.putArray("choices");
		chunk.set("usage", usage);
		return ("data: " + Json.MAPPER.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8);
	}

}
