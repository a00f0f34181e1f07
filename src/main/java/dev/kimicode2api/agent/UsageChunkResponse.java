package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.SseBatch;
import dev.kimicode2api.wire.SseEvent;

/**
 * A client that asked {@code stream_options.include_usage} reads the usage from OpenAI's own last chunk: one with no
 * choices and a top-level {@code usage}, before {@code [DONE]}. Kimi puts the usage inside the finishing chunk's
 * {@code choices[0]} instead; when the stream ends without a top-level usage, that chunk is written here, right
 * before {@code [DONE]}. Every other event passes as it came, in the batch it came in; only events that mention
 * {@code "usage"} are read.
 */
final class UsageChunkResponse extends ServerHttpResponseDecorator {

	private final Runnable added;

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
		return super.writeAndFlushWith(SseBatch.handOn(SseBatch.of(body, bufferFactory()).map(this::accept)));
	}

	/** The batch as it came, or with the usage chunk before {@code [DONE]}. */
	private SseBatch accept(SseBatch batch) {
		List<SseEvent> events = batch.events();
		for (int i = 0; i < events.size(); i++) {
			SseEvent event = events.get(i);
			if (event.mentionsUsage()) {
				read(event.chunk());
			}
			else if (!topLevelSeen && usage != null && event.isDone()) {
				List<SseEvent> withUsage = new ArrayList<>(events);
				withUsage.add(i, usageChunk());
				added.run();
				topLevelSeen = true;
				return batch.with(withUsage);
			}
		}
		return batch;
	}

	private void read(@Nullable ChatChunk chunk) {
		if (chunk == null) {
			return; // not a chunk: nothing to take from it
		}
		if (chunk.usage() != null && chunk.usage().isObject()) {
			topLevelSeen = true;
		}
		else if (chunk.reportedUsage() != null) {
			usage = chunk.reportedUsage();
			finishing = chunk;
		}
	}

	/** OpenAI's usage chunk: the stream's id, created and model, no choices, the usage; it carries its own chunk. */
	private SseEvent usageChunk() {
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
		byte[] event = ("data: " + Json.MAPPER.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8);
		return SseEvent.of(event, new ChatChunk(finishing.id(), finishing.created(), finishing.model(), List.of(), usage,
				null, null));
	}

}
