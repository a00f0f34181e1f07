package dev.kimicode2api.models;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kimicode2api.routing.ModelCapabilities;
import dev.kimicode2api.support.KimiCatalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogueParseTest {

	@Test
	void readsTodaysCatalogueWithEveryFieldKeptForTheList() {
		Map<String, ModelCapabilities> models = ModelCatalogue.parse(bytes(KimiCatalogue.forKey("sk-a")));

		assertThat(models.keySet()).containsExactly("kimi-for-coding", "kimi-for-coding-highspeed", "k3-256k", "k3");
		ModelCapabilities model = models.get("kimi-for-coding");
		assertThat(model.thinking()).isEqualTo(ModelCapabilities.Thinking.ONLY);
		assertThat(model.efforts()).containsExactly("low", "high", "max");
		assertThat(model.defaultEffort()).isEqualTo("max");
		assertThat(model.contextLength()).isEqualTo(1048576);
		assertThat(model.entry()).containsEntry("supports_video_in", true).containsEntry("display_name", "K2.8 Preview");
		assertThat(models.get("k3").thinking()).isEqualTo(ModelCapabilities.Thinking.BOTH);
	}

	@Test
	void readsTheOlderFormOfEffortsAndReasoning() {
		Map<String, ModelCapabilities> models = ModelCatalogue.parse(bytes("""
				{"data":[{"id":"old","supports_reasoning":true,"support_efforts":["low","high"],"default_effort":"high"},
				{"id":"plain"},"not a model",{"no":"id"}]}"""));

		assertThat(models.keySet()).containsExactly("old", "plain");
		assertThat(models.get("old").thinking()).isEqualTo(ModelCapabilities.Thinking.BOTH);
		assertThat(models.get("old").efforts()).isEqualTo(List.of("low", "high"));
		assertThat(models.get("old").defaultEffort()).isEqualTo("high");
		assertThat(models.get("plain").thinking()).isEqualTo(ModelCapabilities.Thinking.NO);
	}

	@Test
	void anAnswerWithoutAListIsNotACatalogue() {
		assertThatThrownBy(() -> ModelCatalogue.parse(bytes("{\"error\":\"no\"}")))
			.isInstanceOf(ModelCatalogue.CatalogueException.class);
		assertThatThrownBy(() -> ModelCatalogue.parse(bytes("<html>")))
			.isInstanceOf(ModelCatalogue.CatalogueException.class);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
