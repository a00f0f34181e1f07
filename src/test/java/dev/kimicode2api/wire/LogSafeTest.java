package dev.kimicode2api.wire;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogSafeTest {

	@Test
	void plainValuesAreTheSameString() {
		String path = "/v1/chat/completions";
		assertThat(LogSafe.text(path)).isSameAs(path);
		assertThat(LogSafe.text("kimi-for-coding")).isEqualTo("kimi-for-coding");
		assertThat(LogSafe.text(null)).isEqualTo("-");
		assertThat(LogSafe.bounded(path)).isSameAs(path);
		assertThat(LogSafe.bounded(null)).isNull();
	}

	@Test
	void lineBreaksControlsQuotesAndBackslashesAreEscaped() {
		assertThat(LogSafe.text("x\nFAKE access line status=200")).isEqualTo("\"x\\nFAKE access line status=200\"");
		assertThat(LogSafe.text("a\r\tb\\c")).isEqualTo("a\\r\\tb\\\\c");
		assertThat(LogSafe.text("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
		assertThat(LogSafe.text("\u2028\u2029\u0085\u202e\u200b\u0000\u007f\ufeff")).isEqualTo(
				"\\u2028\\u2029\\u0085\\u202e\\u200b\\u0000\\u007f\\ufeff");
		assertThat(LogSafe.text("")).isEqualTo("\"\"");
		assertThat(LogSafe.text("k=v")).isEqualTo("\"k=v\"");
	}

	@Test
	void unicodeThatCannotBreakALineStays() {
		assertThat(LogSafe.text("模型-é-\ud83d\ude00")).isEqualTo("模型-é-\ud83d\ude00");
		assertThat(LogSafe.text("lone \ud800 high, lone \udc00 low")).isEqualTo("\"lone \\ud800 high, lone \\udc00 low\"");
		assertThat(LogSafe.bounded("lone \ud800")).isEqualTo("lone \ufffd");
	}

	@Test
	void longValuesAreCutAndMarkedWithoutSplittingAPair() {
		assertThat(LogSafe.text("a".repeat(1000))).isEqualTo("a".repeat(LogSafe.MAX_LENGTH) + LogSafe.CUT);
		String pairAcrossTheBound = "a".repeat(LogSafe.MAX_LENGTH - 1) + "\ud83d\ude00tail";
		assertThat(LogSafe.text(pairAcrossTheBound)).isEqualTo("a".repeat(LogSafe.MAX_LENGTH - 1) + LogSafe.CUT);
		assertThat(LogSafe.bounded(pairAcrossTheBound)).isEqualTo("a".repeat(LogSafe.MAX_LENGTH - 1) + LogSafe.CUT);
	}

}
