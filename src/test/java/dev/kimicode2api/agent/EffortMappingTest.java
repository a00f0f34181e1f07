package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.routing.ModelCapabilities;

import static org.assertj.core.api.Assertions.assertThat;

/** Efforts a model does not declare, fitted to the ones it does (Kimi's: low, high, max). */
class EffortMappingTest {

	static final ModelCapabilities ALWAYS = model(ModelCapabilities.Thinking.ONLY);

	static final ModelCapabilities SWITCHABLE = model(ModelCapabilities.Thinking.BOTH);

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			"reasoning_effort":"low"                    | ONLY | UNCHANGED    | "reasoning_effort":"low"
			"reasoning_effort":"medium"                 | ONLY | MAPPED       | "reasoning_effort":"high"
			"reasoning_effort":"xhigh"                  | ONLY | MAPPED       | "reasoning_effort":"max"
			"reasoning_effort":"minimal"                | ONLY | MAPPED       | "reasoning_effort":"low"
			"reasoning_effort":"none"                   | ONLY | MAPPED       | "reasoning_effort":"low"
			"reasoning_effort":"none"                   | BOTH | THINKING_OFF | "thinking":{"type":"disabled"}
			"reasoning_effort":"turbo"                  | ONLY | UNCHANGED    | "reasoning_effort":"turbo"
			"thinking":{"type":"enabled","effort":"medium"} | ONLY | MAPPED   | "thinking":{"type":"enabled","effort":"high"}
			""")
	void fitsTheAskedEffort(String field, ModelCapabilities.Thinking thinking, EffortMapping.Outcome outcome,
			String expected) {
		ChatRequest request = ChatRequest.parse(("{\"model\":\"m\"," + field + "}").getBytes(StandardCharsets.UTF_8));

		assertThat(EffortMapping.apply(request, thinking == ModelCapabilities.Thinking.ONLY ? ALWAYS : SWITCHABLE))
			.isEqualTo(outcome);
		assertThat(new String(request.toBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"m\"," + expected + "}");
	}

	private static ModelCapabilities model(ModelCapabilities.Thinking thinking) {
		return new ModelCapabilities("m", thinking, List.of("low", "high", "max"), "max", null, true, Map.of());
	}

}
