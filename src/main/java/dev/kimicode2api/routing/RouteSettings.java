package dev.kimicode2api.routing;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.kimicode2api.wire.ErrorDialect;

/**
 * What kimicode2api does on one gateway route, read from the route's {@code metadata}.
 *
 * @param userAgent the User-Agent the upstream sees; {@code null} leaves the client's header alone
 * @param models real model names the route serves (listed in {@code /v1/models})
 * @param declared what the route's YAML says each model accepts (thinking, efforts, context), by model id; the
 * upstream's live catalogue wins over it once fetched
 * @param catalogue where and how often to read the upstream's own catalogue; {@code null} when it has none
 * @param thinkingOn the JSON a derived {@code <id>-thinking} model sets as {@code thinking}; {@code null} derives none
 * @param virtualModels virtual model name to its rewrite
 * @param claimedModels the names of the route's {@code Model} predicate (empty without one)
 */
public record RouteSettings(String routeId, @Nullable String userAgent, ErrorDialect errorDialect, String ownedBy,
		List<String> models, Map<String, ModelCapabilities> declared, @Nullable Catalogue catalogue,
		@Nullable String thinkingOn, Map<String, VirtualModel> virtualModels, List<String> claimedModels) {

	static final String THINKING = "-thinking";

	static final String THINKING_INLINE = "-thinking-inline";

	/**
	 * The upstream's model catalogue: its URL (the route's uri, its path kept, and the catalogue's path).
	 *
	 * @param refresh age after which a key's catalogue is fetched again, in the background, on its next use
	 * @param maxWait longest a request waits for a catalogue not fetched yet (then the declared models serve)
	 * @param timeout longest a fetch may take
	 */
	public record Catalogue(URI url, Duration refresh, Duration maxWait, Duration timeout) {
	}

	/** Whether requests on this route carry an OpenAI-style JSON body with a {@code model}. */
	public boolean hasModels() {
		return !models.isEmpty() || !virtualModels.isEmpty() || !claimedModels.isEmpty();
	}

	/**
	 * Every model name a client may pick on this route, as far as YAML knows: real ones first, then virtual ones,
	 * then the thinking models derived from the declared ones, then claimed ones.
	 */
	public List<String> modelNames() {
		List<String> names = new ArrayList<>(models);
		virtualModels.keySet().stream().filter(name -> !names.contains(name)).forEach(names::add);
		derivedNames(declared).stream().filter(name -> !names.contains(name)).forEach(names::add);
		claimedModels.stream().filter(name -> !names.contains(name)).forEach(names::add);
		return names;
	}

	/** The names of the thinking models derived from {@code known}: {@code -thinking}, {@code -thinking-inline}. */
	public List<String> derivedNames(Map<String, ModelCapabilities> known) {
		List<String> names = new ArrayList<>();
		if (thinkingOn == null) {
			return names;
		}
		known.values().stream().filter(ModelCapabilities::listed).forEach(model -> {
			if (model.thinking() == ModelCapabilities.Thinking.BOTH) {
				names.add(model.id() + THINKING);
			}
			if (model.canThink()) {
				names.add(model.id() + THINKING_INLINE);
			}
		});
		return names;
	}

	/**
	 * What a model name means on this route, among the models {@code known} (the live catalogue, else the declared
	 * ones): a virtual model of the YAML, else one derived from a known model ({@code <id>-thinking} for a model whose
	 * thinking can be switched, {@code <id>-thinking-inline} for every thinking model), else {@code null}.
	 */
	public @Nullable VirtualModel virtualModel(String name, Map<String, ModelCapabilities> known) {
		VirtualModel declaredModel = virtualModels.get(name);
		if (declaredModel != null || thinkingOn == null) {
			return declaredModel;
		}
		boolean inline = name.endsWith(THINKING_INLINE);
		if (!inline && !name.endsWith(THINKING)) {
			return null;
		}
		String base = name.substring(0, name.length() - (inline ? THINKING_INLINE : THINKING).length());
		ModelCapabilities model = capabilities(base, known);
		if (model == null || !model.listed() || (inline ? !model.canThink()
				: model.thinking() != ModelCapabilities.Thinking.BOTH)) {
			return null;
		}
		return new VirtualModel(name, base, Map.of("thinking", thinkingOn), null, inline);
	}

	/** What {@code model} accepts: from {@code known} (the live catalogue), else as declared; {@code null} if unknown. */
	public @Nullable ModelCapabilities capabilities(String model, Map<String, ModelCapabilities> known) {
		ModelCapabilities found = known.get(model);
		return found != null ? found : declared.get(model);
	}

	RouteSettings claiming(List<String> claimed) {
		return new RouteSettings(routeId, userAgent, errorDialect, ownedBy, models, declared, catalogue, thinkingOn,
				virtualModels, claimed);
	}

}
