package dev.kimicode2api.answer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseEvent;
import dev.kimicode2api.wire.Usage;

/**
 * What the metrics, the access line and the span need of an answer, put in the request's context as the answer
 * passes: the usage (OpenAI's, Kimi's inside the finishing choice, Anthropic's in two events), and, for a request a
 * trace records, the model the answer names and why each choice finished. Only a stream event that mentions
 * {@code "usage"}, or (traced) names a finish reason, is read; without a trace nothing else is looked at.
 */
final class AnswerFacts {

	private static final byte[] REASON = "_reason\"".getBytes(StandardCharsets.US_ASCII);

	private final RequestContext context;

	private final boolean details;

	private @Nullable Usage usage;

	/** Finish reasons by choice index. */
	private final Map<Integer, String> finishReasons = new TreeMap<>();

	AnswerFacts(RequestContext context) {
		this.context = context;
		this.details = context.traced();
	}

	/** One event of a stream. */
	void event(SseEvent event) {
		if (event.mentionsUsage() || details && event.namesText(REASON)) {
			ChatChunk chunk = event.chunk();
			if (chunk != null) {
				take(chunk);
			}
		}
	}

	/** A whole plain answer. */
	void answer(ChatChunk answer) {
		take(answer);
	}

	/**
	 * The usage merged with what earlier events said (Anthropic sends input tokens in {@code message_start} and the
	 * output count in {@code message_delta}), and the details of a traced request.
	 */
	private void take(ChatChunk chunk) {
		JsonNode reported = chunk.reportedUsage();
		if (reported != null) {
			usage = Usage.of(reported, usage);
			context.usage(usage);
		}
		if (!details) {
			return;
		}
		if (chunk.model() != null) {
			context.responseModel(chunk.model());
		}
		boolean changed = false;
		for (ChatChunk.Choice choice : chunk.choices()) {
			if (choice.finishReason() != null) {
				changed |= !choice.finishReason().equals(finishReasons.put(choice.index(), choice.finishReason()));
			}
		}
		if (chunk.stopReason() != null) {
			changed |= !chunk.stopReason().equals(finishReasons.put(0, chunk.stopReason()));
		}
		if (changed) {
			context.finishReasons(List.copyOf(finishReasons.values()));
		}
	}

}
