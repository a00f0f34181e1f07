package dev.kimicode2api.wire;

import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's {@link ObjectMapper}s, one per purpose. Their buffers are recycled per thread: they run on Netty's
 * few, long-lived event-loop threads, where the default shared pool's queue showed up as 9% of the Responses
 * translation's time.
 */
public final class Json {

	/** What passes on the wire: request and answer bodies, events, error bodies, catalogues. */
	public static final ObjectMapper MAPPER = builder().build();

	/**
	 * A request element that a repair re-writes: floats are read as BigDecimal, so the element keeps its numbers (no
	 * rounding, no "Infinity"), and 1.50 stays 1.50, 5.2e15 a float.
	 */
	public static final ObjectMapper EXACT_NUMBERS = builder()
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
		.build();

	/** A log line: every non-ASCII character escaped, so no value can hide a line break or a bidi control in it. */
	public static final ObjectMapper ASCII = builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

	private Json() {
	}

	private static JsonMapper.Builder builder() {
		return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build());
	}

}
