package dev.kimicode2api.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DefaultDataBufferFactory;

import dev.kimicode2api.support.JsonGen;
import dev.kimicode2api.support.Tries;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SseEvents} on generated streams cut at random points (through a multibyte character, between the two
 * newlines of a blank line, into empty pieces): the same events come out whatever the cut, each with its data as
 * sent, and what follows the last blank line is the rest. Payloads are generated JSON whose strings hold
 * {@code data:}, escaped blank lines and {@code [DONE]}.
 */
class SseEventsPropertiesTest {

	record Stream(byte[] bytes, List<byte[]> events, List<String> data, byte[] rest, int[] cuts) {

		@Override
		public String toString() {
			return new String(bytes, StandardCharsets.UTF_8).replace("\r", "\\r").replace("\n", "\\n\n") + " cut at "
					+ Arrays.toString(cuts);
		}

	}

	static Stream generate(SplittableRandom random) {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		List<byte[]> events = new ArrayList<>();
		List<String> data = new ArrayList<>();
		int count = random.nextInt(8);
		for (int i = 0; i < count; i++) {
			String eol = random.nextInt(4) == 0 ? "\r\n" : "\n";
			StringBuilder event = new StringBuilder();
			if (random.nextInt(5) == 0) {
				event.append(": keep-alive").append(eol);
			}
			if (random.nextInt(3) == 0) {
				event.append("event: ").append(random.nextBoolean() ? "message" : "error").append(eol);
			}
			List<String> payloads = new ArrayList<>();
			int lines = random.nextInt(6) == 0 ? 0 : random.nextInt(5) == 0 ? 2 : 1;
			for (int l = 0; l < lines; l++) {
				String payload = random.nextInt(8) == 0 ? "[DONE]"
						: JsonGen.value(random).replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
				payloads.add(payload);
				event.append(random.nextBoolean() ? "data: " : "data:").append(payload).append(eol);
			}
			if (event.isEmpty()) {
				event.append(":").append(eol); // a blank line alone is no event: it joins the next one
			}
			event.append(eol);
			byte[] bytes = event.toString().getBytes(StandardCharsets.UTF_8);
			events.add(bytes);
			data.add(payloads.isEmpty() ? null : String.join("\n", payloads));
			all.writeBytes(bytes);
		}
		byte[] rest = random.nextInt(3) == 0 ? ("data: " + JsonGen.string(random, 10).json()).getBytes(StandardCharsets.UTF_8)
				: new byte[0];
		all.writeBytes(rest);
		byte[] bytes = all.toByteArray();
		int[] cuts = random.ints(random.nextInt(Math.min(bytes.length, 40) + 1), 0, bytes.length + 1).sorted().toArray();
		return new Stream(bytes, events, data, rest, cuts);
	}

	private static List<byte[]> bytes(List<SseEvent> events) {
		return events.stream().map(SseEvent::bytes).toList();
	}

	/** The event's data as text ({@code null} without a data line). */
	private static String data(byte[] event) {
		byte[] data = SseEvent.of(event).data();
		return data == null ? null : new String(data, StandardCharsets.UTF_8);
	}

	@Test
	void anyCutOfAStreamGivesTheSameEvents() {
		Tries.forAll("sse-cuts", 3000, SseEventsPropertiesTest::generate, stream -> {
			SseEvents reader = new SseEvents();
			List<byte[]> events = new ArrayList<>();
			int from = 0;
			for (int i = 0; i <= stream.cuts().length; i++) {
				int to = i < stream.cuts().length ? stream.cuts()[i] : stream.bytes().length;
				byte[] piece = Arrays.copyOfRange(stream.bytes(), from, to);
				// half the pieces through the DataBuffer entry (which releases its buffer), half as bytes
				events.addAll(bytes(i % 2 == 0 ? reader.accept(piece)
						: reader.accept(DefaultDataBufferFactory.sharedInstance.wrap(piece))));
				from = to;
			}
			SseEvents whole = new SseEvents();
			assertThat(events).containsExactlyElementsOf(bytes(whole.accept(stream.bytes())));
			assertThat(events).hasSameSizeAs(stream.events());
			for (int i = 0; i < events.size(); i++) {
				assertThat(events.get(i)).isEqualTo(stream.events().get(i));
				assertThat(data(events.get(i))).isEqualTo(stream.data().get(i));
			}
			assertThat(reader.rest()).isEqualTo(stream.rest());
		});
	}

}
