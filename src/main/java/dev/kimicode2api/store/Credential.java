package dev.kimicode2api.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * Whose state it is: the SHA-256 of the key a client sent ({@code Authorization: Bearer …} or {@code x-api-key}),
 * never the key itself. State one credential produced is stored under its hash and found only with it, so another
 * key never receives it. A request without a key has no credential, and nothing is stored or restored for it.
 */
public record Credential(String hash) {

	/** The credential of a request, or {@code null} when it carries no key. */
	public static @Nullable Credential of(HttpHeaders headers) {
		String key = key(headers);
		return key == null ? null : new Credential(sha256Hex(key));
	}

	/** The key's own bytes, for deriving a per-key secret (the encrypted reasoning of the Responses bridge). */
	public static byte @Nullable [] keyBytes(HttpHeaders headers) {
		String key = key(headers);
		return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
	}

	private static @Nullable String key(HttpHeaders headers) {
		String key = headers.getFirst(HttpHeaders.AUTHORIZATION);
		if (key != null && key.regionMatches(true, 0, "Bearer", 0, 6)
				&& (key.length() == 6 || Character.isWhitespace(key.charAt(6)))) {
			key = key.substring(6); // "Bearer " with no token arrives trimmed as "Bearer": no key, not the key "Bearer"
		}
		if (key == null || key.isBlank()) {
			key = headers.getFirst("x-api-key");
		}
		return key == null || key.isBlank() ? null : key.strip();
	}

	static String sha256Hex(String text) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JRE", ex);
		}
	}

	@Override
	public String toString() {
		return "Credential[" + hash.substring(0, 8) + "…]";
	}

}
