package dev.kimicode2api.wire;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Token counts the upstream reported for one response.
 *
 * @param reasoning the completion tokens spent on reasoning, where the upstream says ({@code 0} otherwise)
 * @param cached the prompt tokens served from the upstream's cache, where it says ({@code 0} otherwise)
 */
public record Usage(long prompt, long completion, long total, long reasoning, long cached) {

	public Usage(long prompt, long completion, long total) {
		this(prompt, completion, total, 0, 0);
	}

	/**
	 * A {@code usage} object in any of the shapes that reach the gateway, merged with what earlier events of the same
	 * stream said ({@code before}, or {@code null}): OpenAI's {@code prompt_tokens}/{@code completion_tokens}/
	 * {@code total_tokens}, or Anthropic's {@code input_tokens} (plus its cache reads and writes, which are prompt too)
	 * and {@code output_tokens}, which it sends in two events. A count missing here keeps its earlier value. Cached
	 * tokens come as Kimi's {@code cached_tokens} or OpenAI's {@code prompt_tokens_details.cached_tokens}.
	 */
	public static @Nullable Usage of(@Nullable JsonNode node, @Nullable Usage before) {
		if (node == null || !node.isObject()) {
			return before;
		}
		long prompt;
		long cached;
		if (node.has("prompt_tokens")) {
			prompt = node.path("prompt_tokens").asLong(0);
			cached = node.path("prompt_tokens_details").path("cached_tokens").asLong(node.path("cached_tokens").asLong(0));
		}
		else if (node.has("input_tokens")) {
			cached = node.path("cache_read_input_tokens").asLong(0);
			prompt = node.path("input_tokens").asLong(0) + cached + node.path("cache_creation_input_tokens").asLong(0);
		}
		else {
			prompt = before == null ? 0 : before.prompt();
			cached = before == null ? 0 : before.cached();
		}
		long completion = node.has("completion_tokens") ? node.path("completion_tokens").asLong(0)
				: node.has("output_tokens") ? node.path("output_tokens").asLong(0)
						: before == null ? 0 : before.completion();
		long reasoning = node.path("completion_tokens_details").path("reasoning_tokens")
			.asLong(before == null ? 0 : before.reasoning());
		long total = node.path("total_tokens").asLong(prompt + completion);
		return new Usage(prompt, completion, total, reasoning, cached);
	}

}
