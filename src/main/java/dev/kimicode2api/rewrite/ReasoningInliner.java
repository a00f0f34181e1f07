package dev.kimicode2api.rewrite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.Splice;
import dev.kimicode2api.wire.SseEvent;

/**
 * Moves an answer's {@code reasoning_content} into the start of its {@code content}, as {@code <think>…</think>}. In a
 * stream, per choice, the first reasoning delta becomes content opening {@code <think>}, later ones content, and
 * {@code </think>} closes in front of the first delta that carries content, a tool call or a finish reason. The
 * rewrite is spliced into the event's bytes where its first reader found the two members ({@link ChatChunk.Members}):
 * every other byte stays as the upstream sent it, and the reasoning's text is moved as it was escaped, never decoded
 * and encoded again. Events without reasoning pass as they came, unread.
 */
final class ReasoningInliner {

	private static final byte[] REASONING = "reasoning_content".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] OPEN = "<think>".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] CLOSE = "</think>".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] CONTENT = "\"content\":".getBytes(StandardCharsets.US_ASCII);

	/** Choice indexes whose {@code <think>} is open. */
	private final Set<Integer> open = new HashSet<>();

	/** The events of one batch, those that change rewritten. */
	List<SseEvent> accept(List<SseEvent> events) {
		List<SseEvent> out = null;
		for (int i = 0; i < events.size(); i++) {
			SseEvent event = events.get(i);
			SseEvent rewritten = rewrite(event);
			if (rewritten != event) {
				if (out == null) {
					out = new ArrayList<>(events);
				}
				out.set(i, rewritten);
			}
		}
		return out == null ? events : out;
	}

	private SseEvent rewrite(SseEvent event) {
		if (open.isEmpty() && !event.mentions(REASONING)) {
			return event;
		}
		ChatChunk chunk = event.chunk();
		if (chunk == null) {
			return event;
		}
		byte[] data = event.data();
		Rewrite rewrite = new Rewrite(data);
		List<ChatChunk.Choice> choices = new ArrayList<>(chunk.choices().size());
		for (ChatChunk.Choice choice : chunk.choices()) {
			ChatChunk.Delta delta = choice.delta();
			ChatChunk.Delta inlined = delta == null ? null : inlineDelta(rewrite, choice, delta);
			choices.add(inlined == null ? choice
					: new ChatChunk.Choice(choice.index(), inlined, choice.message(), choice.finishReason(), choice.usage()));
		}
		if (rewrite.isEmpty()) {
			return event;
		}
		return event.withData(rewrite.apply(), new ChatChunk(chunk.id(), chunk.created(), chunk.model(), choices,
				chunk.usage(), chunk.error(), chunk.stopReason()));
	}

	/** One choice's delta, as {@code ReasoningInliner} changes it; {@code null} when it stays as it is. */
	private ChatChunk.@Nullable Delta inlineDelta(Rewrite rewrite, ChatChunk.Choice choice, ChatChunk.Delta delta) {
		ChatChunk.Members at = delta.members();
		if (at == null) {
			return null;
		}
		String reasoning = delta.reasoningContent() != null ? delta.reasoningContent() : "";
		String content = delta.content();
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		StringBuilder decoded = new StringBuilder();
		if (!reasoning.isEmpty()) {
			if (open.add(choice.index())) {
				text.writeBytes(OPEN);
				decoded.append("<think>");
			}
			text.writeBytes(rewrite.raw(at.reasoningValue(), at.reasoningEnd()));
			decoded.append(reasoning);
		}
		boolean contentIsText = content != null && rewrite.isString(at.contentValue());
		boolean ends = contentIsText && !content.isEmpty() || at.toolCalls() || choice.finishReason() != null;
		if (ends && open.remove(choice.index())) {
			text.writeBytes(CLOSE);
			decoded.append("</think>");
		}
		if (at.reasoning() < 0 && text.size() == 0) {
			return null;
		}
		if (contentIsText) {
			text.writeBytes(rewrite.raw(at.contentValue(), at.contentEnd()));
			decoded.append(content);
			rewrite.replace(at.contentValue(), at.contentEnd(), quoted(text));
			rewrite.removeMember(at.reasoning(), at.reasoningEnd());
		}
		else if (at.contentValue() >= 0) { // a content that is not text (null): text in its place, if there is any
			if (text.size() > 0) {
				rewrite.replace(at.contentValue(), at.contentEnd(), quoted(text));
			}
			rewrite.removeMember(at.reasoning(), at.reasoningEnd());
		}
		else if (text.size() > 0) { // no content: the text takes the reasoning's place, or comes last
			byte[] member = concat(CONTENT, quoted(text));
			if (at.reasoning() >= 0) {
				rewrite.replace(at.reasoning(), at.reasoningEnd(), member);
			}
			else {
				rewrite.append(at.close(), member);
			}
		}
		else {
			rewrite.removeMember(at.reasoning(), at.reasoningEnd());
		}
		return new ChatChunk.Delta(decoded.length() > 0 || contentIsText ? decoded.toString() : content, null,
				delta.toolCalls(), null);
	}

	/**
	 * A plain {@code chat.completion} ({@code body}, as its first reader read it: {@code answer}): each choice's message
	 * that has reasoning gets it in front of its content; {@code body} itself when none has.
	 */
	static byte[] inlineMessage(byte[] body, ChatChunk answer) {
		Rewrite rewrite = new Rewrite(body);
		for (ChatChunk.Choice choice : answer.choices()) {
			ChatChunk.Delta message = choice.message();
			ChatChunk.Members at = message == null ? null : message.members();
			if (at == null || at.reasoning() < 0) {
				continue;
			}
			ByteArrayOutputStream text = new ByteArrayOutputStream();
			if (message.reasoningContent() != null && !message.reasoningContent().isEmpty()) {
				text.writeBytes(OPEN);
				text.writeBytes(rewrite.raw(at.reasoningValue(), at.reasoningEnd()));
				text.writeBytes(CLOSE);
			}
			if (message.content() != null) {
				text.writeBytes(rewrite.raw(at.contentValue(), at.contentEnd()));
			}
			if (at.contentValue() >= 0) {
				rewrite.replace(at.contentValue(), at.contentEnd(), quoted(text));
				rewrite.removeMember(at.reasoning(), at.reasoningEnd());
			}
			else {
				rewrite.replace(at.reasoning(), at.reasoningEnd(), concat(CONTENT, quoted(text)));
			}
		}
		return rewrite.isEmpty() ? body : rewrite.apply();
	}

	private static byte[] quoted(ByteArrayOutputStream text) {
		byte[] quoted = new byte[text.size() + 2];
		quoted[0] = '"';
		System.arraycopy(text.toByteArray(), 0, quoted, 1, text.size());
		quoted[quoted.length - 1] = '"';
		return quoted;
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] joined = new byte[a.length + b.length];
		System.arraycopy(a, 0, joined, 0, a.length);
		System.arraycopy(b, 0, joined, a.length, b.length);
		return joined;
	}

	/** The splices of one JSON text's rewrite, and what they need to know of the text. */
	private static final class Rewrite {

		private final byte[] json;

		private final List<Splice> splices = new ArrayList<>(2);

		Rewrite(byte[] json) {
			this.json = json;
		}

		boolean isEmpty() {
			return splices.isEmpty();
		}

		boolean isString(int value) {
			return value >= 0 && json[value] == '"';
		}

		/** A value's text as it is written in the JSON: a string's without its quotes (escapes kept), a number's whole. */
		byte[] raw(int value, int end) {
			if (value < 0) {
				return new byte[0];
			}
			if (json[value] == '"') {
				return Arrays.copyOfRange(json, value + 1, end - 1);
			}
			return json[value] == '-' || json[value] >= '0' && json[value] <= '9'
					? Arrays.copyOfRange(json, value, end) : new byte[0];
		}

		void replace(int start, int end, byte[] bytes) {
			splices.add(new Splice(start, end, bytes));
		}

		/** {@code member} as the object's last member, before its closing brace. */
		void append(int close, byte[] member) {
			int before = close - 1;
			while (before >= 0 && isSpace(json[before])) {
				before--;
			}
			splices.add(new Splice(close, close, json[before] == '{' ? member : concat(new byte[] { ',' }, member)));
		}

		/** The member from its name to its value's end, with the comma after it, or else the one before it. */
		void removeMember(int name, int end) {
			if (name < 0) {
				return;
			}
			int after = end;
			while (after < json.length && isSpace(json[after])) {
				after++;
			}
			if (after < json.length && json[after] == ',') {
				splices.add(new Splice(name, after + 1, new byte[0]));
				return;
			}
			int before = name - 1;
			while (before >= 0 && isSpace(json[before])) {
				before--;
			}
			splices.add(new Splice(before >= 0 && json[before] == ',' ? before : name, end, new byte[0]));
		}

		byte[] apply() {
			return Splice.apply(json, splices);
		}

		private static boolean isSpace(byte b) {
			return b == ' ' || b == '\t' || b == '\r' || b == '\n';
		}

	}

}
