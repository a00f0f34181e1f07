package dev.kimicode2api.responses;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The encrypted reasoning of a Responses item: only the key that sealed it opens it, and nothing else does. */
class ReasoningSealTest {

	private static final ReasoningSeal SEAL = new ReasoningSeal("sk-client-one".getBytes(StandardCharsets.UTF_8));

	@Test
	void theSameKeyOpensWhatItSealedAcrossInstances() {
		String reasoning = "First list the files, then read pom.xml — ünïcode and \"quotes\".";
		String sealed = SEAL.seal(reasoning);
		assertThat(sealed).startsWith("kc2a1.").doesNotContain("pom.xml");
		assertThat(new ReasoningSeal("sk-client-one".getBytes(StandardCharsets.UTF_8)).open(sealed)).isEqualTo(reasoning);
	}

	@Test
	void eachSealHasItsOwnNonce() {
		assertThat(SEAL.seal("same")).isNotEqualTo(SEAL.seal("same"));
	}

	@Test
	void anotherKeyATamperedSealOrSomethingElseOpensToNothing() {
		String sealed = SEAL.seal("secret plan");
		assertThat(new ReasoningSeal("sk-client-two".getBytes(StandardCharsets.UTF_8)).open(sealed)).isNull();
		char[] tampered = sealed.toCharArray();
		tampered[10] = tampered[10] == 'A' ? 'B' : 'A'; // inside the nonce
		assertThat(SEAL.open(new String(tampered))).isNull();
		assertThat(SEAL.open("plain text reasoning")).isNull();
		assertThat(SEAL.open("kc2a1.")).isNull();
		assertThat(SEAL.open("kc2a1.not*base64")).isNull();
	}

}
