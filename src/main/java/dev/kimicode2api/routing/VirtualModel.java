package dev.kimicode2api.routing;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A model name that exists only in the gateway: requests for {@code name} go upstream as {@code model}, with each
 * entry of {@code set} (field name to its JSON text) written on the body's top level.
 *
 * @param thinkingBudgetTokens when set, Anthropic's {@code thinking: {"type":"enabled","budget_tokens":N}} is written,
 * with N kept below the request's {@code max_tokens}
 * @param reasoningInline whether the response's {@code reasoning_content} is moved into {@code content} as a
 * {@code <think>…</think>} block, for chat UIs that show only {@code content}
 */
public record VirtualModel(String name, String model, Map<String, String> set, @Nullable Integer thinkingBudgetTokens,
		boolean reasoningInline) {

	public VirtualModel {
		set = Map.copyOf(set);
	}

}
