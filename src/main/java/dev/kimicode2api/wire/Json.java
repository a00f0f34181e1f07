package dev.kimicode2api.wire;

import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one {@link ObjectMapper} the gateway's features share for what passes on the wire. Its buffers are recycled
 * per thread: it runs on Netty's few, long-lived event-loop threads, where the default shared pool's queue showed up
 * as 9% of the Responses translation's time.
 */
public final class Json {

	public static final ObjectMapper MAPPER = JsonMapper
		.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build())
		.build();

	private Json() {
	}

}
