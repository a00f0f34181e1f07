package dev.kimicode2api.quota;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One quota window of a Kimi {@code /v1/usages} answer.
 *
 * @param name {@code 5h}, {@code 7d}, … (the weekly window, Kimi's {@code usage} / billing cycle, is {@code 7d})
 * @param usedRatio the share used, 0 to 1 (or above, if Kimi lets a window overrun)
 * @param resetAt when the window resets, if Kimi said
 */
public record QuotaWindow(String name, double usedRatio, @Nullable Instant resetAt) {

	/**
	 * The windows of an answer, in both forms Kimi sends: the older {@code usage} (the weekly window) and
	 * {@code limits[]} ({@code window.duration} + {@code timeUnit}, {@code detail.used/limit/resetTime}), with every
	 * number possibly a string; the newer {@code usages.limit_5h / limit_7d / …} ({@code used_ratio},
	 * {@code reset_time}). Where both name a window the newer one is kept. Unreadable entries are passed over.
	 */
	public static Map<String, QuotaWindow> of(JsonNode answer) {
		Map<String, QuotaWindow> windows = new LinkedHashMap<>();
		QuotaWindow weekly = fromCounts("7d", answer.path("usage"));
		if (weekly != null) {
			windows.put(weekly.name(), weekly);
		}
		for (JsonNode limit : answer.path("limits")) {
			String name = windowName(limit.path("window"));
			QuotaWindow window = name == null ? null : fromCounts(name, limit.path("detail"));
			if (window != null) {
				windows.put(name, window);
			}
		}
		JsonNode usages = answer.path("usages");
		for (String key : usages.propertyNames()) {
			JsonNode entry = usages.get(key);
			Double ratio = number(entry.path("used_ratio"));
			String name = key.startsWith("limit_") ? key.substring("limit_".length()) : key;
			if (ratio != null && name.matches("[0-9]+[a-z]+")) {
				windows.put(name, new QuotaWindow(name, ratio, instant(entry.path("reset_time"))));
			}
		}
		return windows;
	}

	private static @Nullable QuotaWindow fromCounts(String name, JsonNode detail) {
		Double used = number(detail.path("used"));
		Double limit = number(detail.path("limit"));
		if (used == null || limit == null || limit <= 0) {
			return null;
		}
		JsonNode reset = detail.has("resetTime") ? detail.path("resetTime") : detail.path("reset_time");
		return new QuotaWindow(name, used / limit, instant(reset));
	}

	/** {@code {"duration":300,"timeUnit":"TIME_UNIT_MINUTE"}} is {@code 5h}. */
	static @Nullable String windowName(JsonNode window) {
		Double duration = number(window.path("duration"));
		String unit = window.path("timeUnit").asString("");
		if (duration == null || duration <= 0) {
			return null;
		}
		long seconds = switch (unit) {
			case "TIME_UNIT_SECOND" -> duration.longValue();
			case "TIME_UNIT_MINUTE" -> duration.longValue() * 60;
			case "TIME_UNIT_HOUR" -> duration.longValue() * 3600;
			case "TIME_UNIT_DAY" -> duration.longValue() * 86400;
			case "TIME_UNIT_WEEK" -> duration.longValue() * 7 * 86400;
			default -> -1;
		};
		if (seconds <= 0) {
			return null;
		}
		return seconds % 86400 == 0 ? seconds / 86400 + "d" : seconds % 3600 == 0 ? seconds / 3600 + "h"
				: seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
	}

	/** A number, or a number in a string (Kimi sends {@code "40"}). */
	private static @Nullable Double number(JsonNode node) {
		if (node.isNumber()) {
			return node.asDouble();
		}
		if (node.isString()) {
			try {
				return new BigDecimal(node.asString().strip()).doubleValue();
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

	/** An ISO-8601 instant, or epoch seconds (milliseconds when that large), as a number or a string. */
	private static @Nullable Instant instant(JsonNode node) {
		if (node.isString()) {
			String text = node.asString().strip();
			try {
				return Instant.parse(text);
			}
			catch (DateTimeParseException ex) {
				// perhaps a number in a string
			}
		}
		Double epoch = number(node);
		if (epoch == null || epoch <= 0) {
			return null;
		}
		return epoch > 1e12 ? Instant.ofEpochMilli(epoch.longValue()) : Instant.ofEpochSecond(epoch.longValue());
	}

}
