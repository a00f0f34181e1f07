package dev.kimicode2api.responses;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kimicode2api.metrics.GatewayMetrics;

/**
 * The built-in tools a Responses request may name (web search, file search, code interpreter, …), which no chat
 * upstream can run: the translation leaves them out, and each one left out is counted
 * ({@code kimicode2api_responses_tools_left_out_total{route,type}}) and logged once per route and type.
 */
final class LeftOutTools {

	private static final Logger log = LoggerFactory.getLogger(LeftOutTools.class);

	/** Built-in tool types OpenAI defines; any other name is counted as "other" (a bounded metric tag). */
	static final Set<String> BUILT_IN = Set.of("web_search", "web_search_preview", "file_search",
			"computer_use_preview", "computer_use", "code_interpreter", "image_generation", "mcp", "local_shell", "shell",
			"apply_patch", "tool_search");

	private final GatewayMetrics metrics;

	/** Route and tool type already logged: each is logged once, and counted every time. */
	private final Set<String> logged = ConcurrentHashMap.newKeySet();

	LeftOutTools(GatewayMetrics metrics) {
		this.metrics = metrics;
	}

	void leftOut(String route, String type) {
		String tag = BUILT_IN.contains(type) ? type : "other";
		metrics.responsesToolLeftOut(route, tag);
		if (logged.add(route + " " + tag)) {
			log.info("Responses bridge on route {}: built-in tool '{}' left out, the upstream cannot run it (logged"
					+ " once; every one is counted in kimicode2api_responses_tools_left_out_total)", route, tag);
		}
	}

}
