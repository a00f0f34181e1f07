package dev.kimicode2api.support;

/**
 * Kimi For Coding's own model list ({@code GET <base>/v1/models}), as answered in 2026 on a standard plan
 * ({@code ../shared/kimi-today.md}); the catalogue depends on the plan of the key that asks, so a key that contains
 * {@code -max} gets the higher plan's context for {@code k3}.
 */
public final class KimiCatalogue {

	private KimiCatalogue() {
	}

	public static String forKey(String key) {
		long k3Context = key.contains("-max") ? 1048576 : 262144;
		return """
				{"object":"list","data":[
				 {"id":"kimi-for-coding","object":"model","created":1761264000,"created_at":"2025-10-24T00:00:00Z",\
				"type":"model","display_name":"K2.8 Preview","context_length":1048576,"supports_reasoning":true,\
				"supports_image_in":true,"supports_video_in":true,"supports_thinking_type":"only",\
				"think_efforts":{"support":true,"valid_efforts":["low","high","max"],"default_effort":"max"}},
				 {"id":"kimi-for-coding-highspeed","object":"model","created":1761264000,"type":"model",\
				"display_name":"K2.7 Code Highspeed","context_length":262144,"supports_reasoning":true,\
				"supports_thinking_type":"only",\
				"think_efforts":{"support":true,"valid_efforts":["low","high","max"],"default_effort":"high"}},
				 {"id":"k3-256k","object":"model","created":1761264000,"type":"model","display_name":"K3-256k",\
				"context_length":262144,"supports_reasoning":true,"supports_thinking_type":"both",\
				"think_efforts":{"support":true,"valid_efforts":["low","high","max"],"default_effort":"max"}},
				 {"id":"k3","object":"model","created":1761264000,"type":"model","display_name":"K3",\
				"context_length":%d,"supports_reasoning":true,"supports_thinking_type":"both",\
				"think_efforts":{"support":true,"valid_efforts":["low","high","max"],"default_effort":"max"}}],
				 "first_id":"kimi-for-coding","last_id":"k3","has_more":false}""".formatted(k3Context);
	}

}
