package dev.kimicode2api.routing;

import java.util.Map;

/**
 * A model name that exists only in the gateway: requests for {@code name} go upstream as {@code model}, with
 * each entry of {@code set} (field name to its JSON text) written on the body's top level.
 */
public record VirtualModel(String name, String model, Map<String, String> set) {

	public VirtualModel {
		set = Map.copyOf(set);
	}

}
