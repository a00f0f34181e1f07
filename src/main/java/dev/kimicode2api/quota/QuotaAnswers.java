package dev.kimicode2api.quota;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Kimi's answers when a quota window is used up (README, "Quota"): 403 "You've reached your usage limit for this
 * billing cycle…" (the weekly window) and 429 "You've reached your usage limit for this period…" (the 5-hour one).
 * Its other 429s ("We're receiving too many requests", "The engine is currently overloaded") are not quota.
 */
final class QuotaAnswers {

	private QuotaAnswers() {
	}

	static @Nullable String window(int status, String body) {
		if (status != 403 && status != 429) {
			return null;
		}
		String text = body.toLowerCase(Locale.ROOT);
		if (!text.contains("usage limit")) {
			return null;
		}
		if (text.contains("billing cycle")) {
			return "7d";
		}
		if (text.contains("this period")) {
			return "5h";
		}
		return null;
	}

}
