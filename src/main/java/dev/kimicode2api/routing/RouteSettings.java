package dev.kimicode2api.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.kimicode2api.errors.ErrorDialect;

/**
 * What kimicode2api does on one gateway route, read from the route's {@code metadata}.
 *
 * @param userAgent the User-Agent the upstream sees; {@code null} leaves the client's header alone
 * @param models real model names the route serves (listed in {@code /v1/models})
 * @param virtualModels virtual model name to its rewrite
 * @param claimedModels the names of the route's {@code Model} predicate (empty without one)
 */
public record RouteSettings(String routeId, @Nullable String userAgent, ErrorDialect errorDialect, String ownedBy,
		List<String> models, Map<String, VirtualModel> virtualModels, List<String> claimedModels) {

	/** Whether requests on this route carry an OpenAI-style JSON body with a {@code model}. */
	public boolean hasModels() {
		return !models.isEmpty() || !virtualModels.isEmpty() || !claimedModels.isEmpty();
	}

	/** Every model name a client may pick on this route: real ones first, then virtual ones, then claimed ones. */
	public List<String> modelNames() {
		List<String> names = new ArrayList<>(models);
		virtualModels.keySet().stream().filter(name -> !names.contains(name)).forEach(names::add);
		claimedModels.stream().filter(name -> !names.contains(name)).forEach(names::add);
		return names;
	}

	RouteSettings claiming(List<String> claimed) {
		return new RouteSettings(routeId, userAgent, errorDialect, ownedBy, models, virtualModels, claimed);
	}

}
