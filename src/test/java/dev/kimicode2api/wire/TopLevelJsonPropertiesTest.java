package dev.kimicode2api.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.ObjectMapper;

import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.support.JsonGen;
import dev.kimicode2api.support.Tries;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The body splicer behind the virtual-model rewrite and the repairs ({@link TopLevelJson}, {@link ChatRequest}), on
 * generated bodies: a body within the parser's limits is accepted, what it reports (model, stream) is what the body
 * says, and a rewrite is valid JSON in which the fields set have their new values and every other byte is the
 * client's, in place; any other input (cut, corrupted, beyond the limits) is refused with
 * {@link InvalidBodyException} and nothing else.
 */
public class TopLevelJsonPropertiesTest {

	static final ObjectMapper JSON = new ObjectMapper();

	static final JsonFactory FACTORY = new JsonFactory();

	public record Case(JsonGen.TopLevel body, Map<String, String> set) {
	}

	static Case generate(SplittableRandom random) {
		JsonGen.TopLevel body = JsonGen.topLevel(random);
		Map<String, String> set = new LinkedHashMap<>();
		if (random.nextInt(3) > 0) {
			set.put("model", TopLevelJson.quote(realModel(random)));
		}
		if (random.nextBoolean()) {
			set.put("thinking", random.nextBoolean() ? "true" : "{\"type\":\"enabled\",\"budget_tokens\":" + random.nextInt(20000) + "}");
		}
		if (random.nextInt(3) == 0) {
			set.put(random.nextBoolean() ? "temperature" : "added_" + random.nextInt(100), JsonGen.value(random));
		}
		return new Case(body, set);
	}

	/** A model name as YAML may give it: any text without lone surrogates. */
	private static String realModel(SplittableRandom random) {
		String text = JsonGen.string(random, 12).value();
		StringBuilder clean = new StringBuilder();
		text.codePoints().filter(cp -> cp < 0xd800 || cp > 0xdfff).forEach(clean::appendCodePoint);
		return clean.toString();
	}

	@Test
	void aRewriteChangesTheFieldsSetAndKeepsEveryOtherByte() {
		int[] accepted = new int[1];
		Tries.forAll("splice", 3000, TopLevelJsonPropertiesTest::generate, c -> {
			TopLevelJson parsed;
			try {
				parsed = TopLevelJson.parse(c.body().bytes());
			}
			catch (InvalidBodyException refused) {
				boolean nonStringModel = c.body().members().stream()
					.anyMatch(m -> m.name().equals("model") && !m.valueJson().startsWith("\""));
				assertThat(!c.body().withinLimits() || nonStringModel).as("refused: " + refused.getMessage()).isTrue();
				return;
			}
			accepted[0]++;
			List<JsonGen.Member> members = c.body().members();
			JsonGen.Member lastModel = last(members, "model");
			assertThat(parsed.model()).isEqualTo(lastModel == null ? null : JSON.readValue(lastModel.valueJson(), String.class));
			JsonGen.Member lastStream = last(members, "stream");
			assertThat(parsed.stream()).isEqualTo(lastStream != null && lastStream.valueJson().equals("true"));

			byte[] out = parsed.with(c.set(), List.of());
			assertThat(out).isEqualTo(expected(c));
			assertValidJson(out);

			// The same through ChatRequest, as the virtual model applies it.
			ChatRequest request = ChatRequest.parse(c.body().bytes());
			c.set().forEach(request::set);
			assertThat(request.toBytes()).isEqualTo(out);
			if (c.set().isEmpty()) {
				assertThat(request.toBytes()).isSameAs(c.body().bytes());
			}
		});
		assertThat(accepted[0]).as("bodies accepted").isGreaterThan(Tries.count(3000) * 3 / 4);
	}

	@Test
	void aCutOrCorruptedBodyIsRefusedOrStillSplicedIntoValidJson() {
		Tries.forAll("corrupted", 3000, random -> {
			Case c = generate(random);
			byte[] bytes = c.body().bytes();
			byte[] broken = switch (random.nextInt(4)) {
				case 0 -> Arrays.copyOf(bytes, random.nextInt(bytes.length));
				case 1 -> insert(bytes, random.nextInt(bytes.length + 1), (byte) random.nextInt(256));
				case 2 -> {
					byte[] copy = bytes.clone();
					copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
					yield copy;
				}
				default -> insert(bytes, bytes.length, "}x\"{[".getBytes(StandardCharsets.US_ASCII)[random.nextInt(5)]);
			};
			return new Case(new JsonGen.TopLevel(broken, List.of(), -1, false), c.set());
		}, c -> {
			try {
				TopLevelJson parsed = TopLevelJson.parse(c.body().bytes());
				assertValidJson(parsed.with(c.set(), List.of()));
			}
			catch (InvalidBodyException refused) {
				// refused as a 400: what a broken body must get
			}
		});
	}

	/** The oracle: the generated body with each set field's values replaced, and the missing ones added at the end. */
	public static byte[] expected(Case c) {
		byte[] bytes = c.body().bytes();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int from = 0;
		for (JsonGen.Member member : c.body().members()) {
			String value = c.set().get(member.name());
			if (value != null) {
				out.write(bytes, from, member.start() - from);
				out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
				from = member.end();
			}
		}
		out.write(bytes, from, c.body().closingBrace() - from);
		boolean first = c.body().members().isEmpty();
		for (Map.Entry<String, String> field : c.set().entrySet()) {
			if (c.body().members().stream().noneMatch(m -> m.name().equals(field.getKey()))) {
				out.writeBytes(((first ? "" : ",") + "\"" + field.getKey() + "\":" + field.getValue())
					.getBytes(StandardCharsets.UTF_8));
				first = false;
			}
		}
		out.write(bytes, c.body().closingBrace(), bytes.length - c.body().closingBrace());
		return out.toByteArray();
	}

	private static JsonGen.Member last(List<JsonGen.Member> members, String name) {
		JsonGen.Member found = null;
		for (JsonGen.Member member : members) {
			if (member.name().equals(name)) {
				found = member;
			}
		}
		return found;
	}

	/** One JSON value and nothing after it, as a strict reader sees it. */
	static void assertValidJson(byte[] bytes) {
		try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
			assertThat(parser.nextToken()).isEqualTo(JsonToken.START_OBJECT);
			parser.skipChildren();
			assertThat(parser.nextToken()).isNull();
		}
	}

	private static byte[] insert(byte[] bytes, int at, byte b) {
		byte[] out = new byte[bytes.length + 1];
		System.arraycopy(bytes, 0, out, 0, at);
		out[at] = b;
		System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
		return out;
	}

}
