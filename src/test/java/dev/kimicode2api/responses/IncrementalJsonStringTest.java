package dev.kimicode2api.responses;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A custom tool's raw input decoded from its JSON arguments as they arrive in pieces, however they are cut. */
class IncrementalJsonStringTest {

	private static final String ARGUMENTS = "{\"input\": \"*** Begin Patch\\n*** Update File: a.txt\\n-\\\"old\\\"\\n+caf\\u00e9"
			+ " \\\\ done\\t\\/\"}";

	private static final String INPUT = "*** Begin Patch\n*** Update File: a.txt\n-\"old\"\n+café \\ done\t/";

	@Test
	void givesTheDecodedValueWhateverTheCutThroughKeysEscapesAndUnicodeEscapes() {
		for (int first = 0; first <= ARGUMENTS.length(); first++) {
			for (int second = first; second <= ARGUMENTS.length(); second += 3) {
				IncrementalJsonString decoder = new IncrementalJsonString();
				String decoded = decoder.accept(ARGUMENTS.substring(0, first))
						+ decoder.accept(ARGUMENTS.substring(first, second)) + decoder.accept(ARGUMENTS.substring(second));
				assertThat(decoded).as("cut at %d and %d", first, second).isEqualTo(INPUT);
			}
		}
	}

	@Test
	void eachPieceGivesWhatItCompletesAndNothingOfTheKeyOrAfterTheValue() {
		IncrementalJsonString decoder = new IncrementalJsonString();
		assertThat(decoder.accept("{\"inp")).isEmpty();
		assertThat(decoder.accept("ut\":\"ab\\")).isEqualTo("ab");
		assertThat(decoder.accept("n")).isEqualTo("\n");
		assertThat(decoder.accept("\\u00")).isEmpty();
		assertThat(decoder.accept("e9c\"")).isEqualTo("éc");
		assertThat(decoder.accept(",\"other\":\"x\"}")).isEmpty();
	}

	@Test
	void anEscapeItCannotReadEndsTheDecoding() {
		IncrementalJsonString broken = new IncrementalJsonString();
		assertThat(broken.accept("{\"input\":\"a\\uZZZZb\"}")).isEqualTo("a");
		assertThat(broken.accept("more")).isEmpty();
	}

}
