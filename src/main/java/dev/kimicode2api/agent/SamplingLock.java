package dev.kimicode2api.agent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.kimicode2api.rewrite.ChatRequest;
import dev.kimicode2api.wire.ApiException;

/**
 * While a model thinks, Kimi takes one value of each sampling setting ({@code temperature} 1, {@code top_p} 0.95,
 * no penalties, no {@code logprobs}) and refuses any other ("invalid temperature: only 1 is allowed for this model").
 * A value it would refuse is removed, so the model's own applies; a value it takes is left as sent. {@code n} above 1
 * cannot be served (one choice per request) and is the client's 400.
 *
 * @param values the one value each setting takes while thinking, by field (YAML per route)
 */
record SamplingLock(Map<String, BigDecimal> values) {

	static SamplingLock of(@Nullable String temperature, @Nullable String topP, @Nullable String presencePenalty,
			@Nullable String frequencyPenalty) {
		Map<String, BigDecimal> values = new LinkedHashMap<>();
		put(values, "temperature", temperature);
		put(values, "top_p", topP);
		put(values, "presence_penalty", presencePenalty);
		put(values, "frequency_penalty", frequencyPenalty);
		return new SamplingLock(Map.copyOf(values));
	}

	private static void put(Map<String, BigDecimal> values, String field, @Nullable String value) {
		if (value != null && !value.isBlank()) {
			values.put(field, new BigDecimal(value.trim()));
		}
	}

	/**
	 * Removes what a thinking model refuses; returns the fields removed ({@code logprobs} with its
	 * {@code top_logprobs}). Anthropic's Messages API has no penalties, {@code n} or {@code logprobs}.
	 */
	List<String> apply(ChatRequest request, boolean anthropic) {
		List<String> removed = new ArrayList<>(1);
		values.forEach((field, allowed) -> {
			BigDecimal sent = number(request.text(field));
			if (sent != null && sent.compareTo(allowed) != 0) {
				request.remove(field);
				removed.add(field);
			}
		});
		if (anthropic) {
			return removed;
		}
		BigDecimal n = number(request.text("n"));
		if (n != null && n.compareTo(BigDecimal.ONE) > 0) {
			throw ApiException.invalid("n", "Invalid value for 'n': this model thinks, and a thinking model answers"
					+ " one choice per request (n = 1); send " + n.toPlainString() + " requests instead.");
		}
		if ("true".equals(request.text("logprobs"))) {
			request.remove("logprobs");
			if (request.text("top_logprobs") != null) {
				request.remove("top_logprobs");
			}
			removed.add("logprobs");
		}
		return removed;
	}

	private static @Nullable BigDecimal number(@Nullable String json) {
		if (json == null) {
			return null;
		}
		try {
			return new BigDecimal(json.strip());
		}
		catch (NumberFormatException ex) {
			return null; // not a number: the upstream's to judge
		}
	}

}
