package dev.kimicode2api.web;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the access line ({@code kimicode2api.access}) is written: {@code text} (key=value, for people) or {@code json}
 * (one JSON object per line, for log pipelines). Any other value stops the start-up with this key named.
 */
@Validated
@ConfigurationProperties("kimicode.access-log")
public record AccessLogProperties(@NotNull @DefaultValue("text") Format format) {

	public enum Format {

		TEXT, JSON

	}

}
