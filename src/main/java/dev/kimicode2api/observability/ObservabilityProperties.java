package dev.kimicode2api.observability;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the GenAI spans and meters under {@code kimicode.observability.*}. Whether traces are exported is
 * decided by the OTLP endpoint ({@link OtlpTraceSettings}), their sampling by Spring Boot's
 * {@code management.tracing.sampling.probability}.
 *
 * @param providerName {@code gen_ai.provider.name} of a route whose metadata names none ({@code gen-ai-provider});
 * every route that ships talks to Moonshot AI's Kimi
 * @param captureContent opt-in: the request's messages on its span ({@code gen_ai.input.messages},
 * {@code gen_ai.system_instructions}); off, no prompt or answer ever reaches a span
 */
@Validated
@ConfigurationProperties("kimicode.observability")
public record ObservabilityProperties(@NotBlank @DefaultValue("moonshot_ai") String providerName,
		@DefaultValue("false") boolean captureContent) {
}
