package dev.kimicode2api.metrics;

/** Token counts the upstream reported for one response. */
public record Usage(long prompt, long completion, long total) {
}
