package dev.kimicode2api.responses;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * The {@code encrypted_content} of a reasoning item ({@code include: ["reasoning.encrypted_content"]}, what Codex
 * asks for with {@code store: false}): Kimi's reasoning sealed with AES-GCM under a key derived from the client's own
 * API key. The client sends the item back with its next turn and the gateway opens it: no store, any replica, and
 * another key cannot open it (it then counts as no reasoning at all).
 */
final class ReasoningSeal {

	private static final String PREFIX = "kc2a1.";

	private static final byte[] LABEL = "kimicode2api reasoning seal v1".getBytes(StandardCharsets.US_ASCII);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final SecretKeySpec key;

	/** @param clientKey the bytes of the key the client sent */
	ReasoningSeal(byte[] clientKey) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(LABEL, "HmacSHA256"));
			this.key = new SecretKeySpec(mac.doFinal(clientKey), "AES");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is part of every JRE", ex);
		}
	}

	String seal(String reasoning) {
		try {
			byte[] nonce = new byte[12];
			RANDOM.nextBytes(nonce);
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
			cipher.updateAAD(LABEL);
			byte[] sealed = cipher.doFinal(reasoning.getBytes(StandardCharsets.UTF_8));
			return PREFIX + Base64.getUrlEncoder().withoutPadding()
				.encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES/GCM is part of every JRE", ex);
		}
	}

	/** The reasoning, or {@code null} when the text is not a seal this key made. */
	@Nullable String open(String sealed) {
		if (!sealed.startsWith(PREFIX)) {
			return null;
		}
		try {
			byte[] bytes = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
			if (bytes.length < 12 + 16) {
				return null;
			}
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, bytes, 0, 12));
			cipher.updateAAD(LABEL);
			return new String(cipher.doFinal(bytes, 12, bytes.length - 12), StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException | GeneralSecurityException ex) {
			return null; // another key's seal, or not a seal at all
		}
	}

}
