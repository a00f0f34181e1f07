package dev.kimicode2api.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import dev.kimicode2api.wire.Json;

/**
 * What identifies an assistant turn's tool calls across requests: each call's id, name and arguments, hashed. Kimi's
 * call ids ({@code functions.read:0}) repeat from one conversation to the next, so the id alone could give a turn the
 * reasoning of another conversation; with the name and arguments it is the very turn the client echoes back.
 * Arguments are compared as JSON (a client that re-serialises them with other spacing still matches).
 */
public final class ToolCalls {

	/** One function call as the upstream produced it and the client echoes it back. */
	public record Call(String id, String name, String arguments) {
	}

	private ToolCalls() {
	}

	/** The fingerprint of an assistant message's calls, in their order. */
	public static String fingerprint(List<Call> calls) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (Call call : calls) {
				digest.update((call.id() + '\u0000' + call.name() + '\u0000' + canonical(call.arguments()) + '\n')
					.getBytes(StandardCharsets.UTF_8));
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JRE", ex);
		}
	}

	/** The calls of a chat message's {@code tool_calls} array (absent parts as empty strings). */
	public static List<Call> of(JsonNode toolCalls) {
		java.util.ArrayList<Call> calls = new java.util.ArrayList<>();
		for (JsonNode call : toolCalls) {
			JsonNode function = call.path("function");
			calls.add(new Call(call.path("id").asString(""), function.path("name").asString(""),
					function.path("arguments").asString("")));
		}
		return calls;
	}

	private static String canonical(String arguments) {
		try {
			return Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(arguments));
		}
		catch (JacksonException ex) {
			return arguments;
		}
	}

}
