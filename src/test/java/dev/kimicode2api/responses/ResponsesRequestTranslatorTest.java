package dev.kimicode2api.responses;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;

import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.InvalidBodyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A Responses request as the chat request the bridge sends, without a gateway: items, tools, settings, mistakes. */
class ResponsesRequestTranslatorTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final List<String> leftOut = new ArrayList<>();

	@Test
	void instructionsComeFirstAfterThePreviousConversationWhichTheStoredConversationKeepsWithoutThem() {
		ArrayNode previous = JSON.createArrayNode();
		previous.addObject().put("role", "user").put("content", "earlier");
		BridgeContext context = context("{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":\"hi\"}");

		ObjectNode chat = translate("{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":\"hi\"}", previous, context);

		assertThat(chat.get("model").asString()).isEqualTo("m");
		assertThat(chat.get("messages").toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},"
				+ "{\"role\":\"user\",\"content\":\"earlier\"},{\"role\":\"user\",\"content\":\"hi\"}]");
		assertThat(context.conversation.toString())
			.isEqualTo("[{\"role\":\"user\",\"content\":\"earlier\"},{\"role\":\"user\",\"content\":\"hi\"}]");
	}

	@Test
	void messageItemsKeepTheirRolesTextPartsAreJoinedAndImagesBecomeImageParts() {
		ObjectNode chat = translate("""
				{"model":"m","input":[
				 {"type":"message","role":"developer","content":"Use tabs."},
				 {"role":"user","content":[{"type":"input_text","text":"one"},{"type":"input_text","text":"two"}]},
				 {"role":"user","content":[{"type":"input_text","text":"look"},{"type":"input_image","image_url":"data:image/png;base64,AA","detail":"low"}]},
				 {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}]}""");

		JsonNode messages = chat.get("messages");
		assertThat(messages.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"Use tabs.\"}");
		assertThat(messages.get(1).get("content").asString()).isEqualTo("one\n\ntwo");
		assertThat(messages.get(2).get("content").toString()).isEqualTo("[{\"type\":\"text\",\"text\":\"look\"},"
				+ "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA\",\"detail\":\"low\"}}]");
		assertThat(messages.get(3).toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"Done.\"}");
	}

	@Test
	void reasoningJoinsTheAssistantTurnThatFollowsAndConsecutiveCallsMakeOneTurnWithTheirOutputsAfter() {
		ObjectNode chat = translate("""
				{"model":"m","input":[
				 {"type":"reasoning","summary":[{"type":"summary_text","text":"Read both."}]},
				 {"type":"function_call","call_id":"c1","name":"read","arguments":"{\\"p\\":\\"a\\"}"},
				 {"type":"function_call","call_id":"c2","name":"read","arguments":"{\\"p\\":\\"b\\"}"},
				 {"type":"function_call_output","call_id":"c1","output":"A"},
				 {"type":"function_call_output","call_id":"c2","output":[{"type":"input_image","image_url":"https://x/i.png"}]}]}""");

		JsonNode messages = chat.get("messages");
		assertThat(messages).hasSize(3);
		JsonNode turn = messages.get(0);
		assertThat(turn.get("reasoning_content").asString()).isEqualTo("Read both.");
		assertThat(turn.get("tool_calls").toString()).isEqualTo("[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
				+ "{\"name\":\"read\",\"arguments\":\"{\\\"p\\\":\\\"a\\\"}\"}},{\"id\":\"c2\",\"type\":\"function\","
				+ "\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"p\\\":\\\"b\\\"}\"}}]");
		assertThat(messages.get(1).toString()).isEqualTo("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"A\"}");
		// Kimi refuses a tool message without text: an image-only output gets a line of it
		assertThat(messages.get(2).at("/content/0/type").asString()).isEqualTo("text");
		assertThat(messages.get(2).at("/content/1/image_url/url").asString()).isEqualTo("https://x/i.png");
	}

	@Test
	void encryptedReasoningIsOpenedWithTheClientsOwnKeyAndAnotherKeysFallsBackToTheSummary() {
		String sealed = new ReasoningSeal("sk-a".getBytes(StandardCharsets.UTF_8)).seal("The real reasoning.");
		String request = "{\"model\":\"m\",\"input\":[{\"type\":\"reasoning\",\"encrypted_content\":\"" + sealed
				+ "\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"Summary.\"}]},"
				+ "{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"}]}";

		assertThat(translate(request, "sk-a").at("/messages/0/reasoning_content").asString()).isEqualTo("The real reasoning.");
		assertThat(translate(request, "sk-b").at("/messages/0/reasoning_content").asString()).isEqualTo("Summary.");
	}

	@Test
	void customAndNamespacedToolsBecomeFunctionsTheAnswerCanBeMappedBackFrom() {
		String request = """
				{"model":"m","input":[{"type":"custom_tool_call","call_id":"c","name":"apply_patch","input":"*** Begin"}],
				 "tools":[{"type":"custom","name":"apply_patch","description":"Edit.","format":{"type":"grammar","syntax":"lark","definition":"start: x"}},
				          {"type":"namespace","name":"fs","tools":[{"type":"function","name":"ls","description":"List.","strict":true}]},
				          {"type":"web_search"},{"type":"code_interpreter"},{"type":"web_search"}]}""";
		BridgeContext context = context(request);
		ObjectNode chat = translate(request, JSON.createArrayNode(), context);

		assertThat(chat.at("/messages/0/tool_calls/0/function/arguments").asString()).isEqualTo("{\"input\":\"*** Begin\"}");
		JsonNode tools = chat.get("tools");
		assertThat(tools).hasSize(2);
		assertThat(tools.at("/0/function/description").asString()).isEqualTo("Edit.\n\nThe input must follow this lark grammar:\nstart: x");
		assertThat(tools.at("/0/function/parameters/required/0").asString()).isEqualTo("input");
		assertThat(tools.at("/1/function/name").asString()).isEqualTo("fs__ls");
		assertThat(tools.at("/1/function").has("strict")).isFalse();
		assertThat(context.tools.get("apply_patch")).isEqualTo(new BridgeContext.ToolOrigin(true, null, "apply_patch"));
		assertThat(context.tools.get("fs__ls")).isEqualTo(new BridgeContext.ToolOrigin(false, "fs", "ls"));
		assertThat(leftOut).containsExactly("web_search", "code_interpreter"); // each type once per request
	}

	@Test
	void settingsWithAChatEquivalentAreCarriedOverAndAStreamAsksForItsUsage() {
		ObjectNode chat = translate("""
				{"model":"m","input":"hi","stream":true,"max_output_tokens":100,"temperature":0.5,"top_p":0.9,
				 "parallel_tool_calls":false,"user":"u1","reasoning":{"effort":"high"},"tool_choice":{"type":"allowed_tools","mode":"required"},
				 "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}},
				 "metadata":{"k":"v"},"truncation":"auto","include":["reasoning.encrypted_content"]}""");

		assertThat(chat.get("max_tokens").asInt()).isEqualTo(100);
		assertThat(chat.get("temperature").asDouble()).isEqualTo(0.5);
		assertThat(chat.get("top_p").asDouble()).isEqualTo(0.9);
		assertThat(chat.get("parallel_tool_calls").asBoolean()).isFalse();
		assertThat(chat.get("user").asString()).isEqualTo("u1");
		assertThat(chat.get("reasoning_effort").asString()).isEqualTo("high");
		assertThat(chat.get("tool_choice").asString()).isEqualTo("required");
		assertThat(chat.get("response_format").toString()).isEqualTo("{\"type\":\"json_schema\",\"json_schema\":"
				+ "{\"name\":\"out\",\"schema\":{\"type\":\"object\"},\"strict\":true}}");
		assertThat(chat.get("stream").asBoolean()).isTrue();
		assertThat(chat.at("/stream_options/include_usage").asBoolean()).isTrue();
		assertThat(chat.has("metadata") || chat.has("truncation") || chat.has("include")).isFalse();
	}

	@Test
	void badInputIsA400ThatNamesTheParameter() {
		assertParam("{\"model\":\"m\"}", "input");
		assertParam("{\"model\":\"m\",\"input\":3}", "input");
		assertParam("{\"model\":\"m\",\"input\":\"hi\",\"conversation\":\"conv_1\"}", "conversation");
		assertParam("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "input[0].type");
		assertParam("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}",
				"input[0].content[0].image_url");
		assertParam("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}",
				"input[0].call_id");
		assertParam("{\"model\":\"m\",\"input\":\"hi\",\"tool_choice\":{\"type\":\"web_search\"}}", "tool_choice");
		assertParam("{\"model\":\"m\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"xml\"}}}", "text.format.type");
	}

	@Test
	void readingTakesOneJsonObjectThatNamesItsModel() {
		assertThat(ResponsesRequestTranslator.read("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8)).get("model")
			.asString()).isEqualTo("m");
		assertThatThrownBy(() -> ResponsesRequestTranslator.read("{\"model\":".getBytes(StandardCharsets.UTF_8)))
			.isInstanceOf(InvalidBodyException.class);
		assertThatThrownBy(() -> ResponsesRequestTranslator.read("[1]".getBytes(StandardCharsets.UTF_8)))
			.isInstanceOf(InvalidBodyException.class);
		assertThatThrownBy(() -> ResponsesRequestTranslator.read("{\"model\":1}".getBytes(StandardCharsets.UTF_8)))
			.isInstanceOf(ApiException.class).extracting(error -> ((ApiException) error).param()).isEqualTo("model");
	}

	private void assertParam(String request, String param) {
		assertThatThrownBy(() -> translate(request)).as(request).isInstanceOf(ApiException.class)
			.extracting(error -> ((ApiException) error).param()).isEqualTo(param);
	}

	private ObjectNode translate(String request) {
		return translate(request, JSON.createArrayNode(), context(request));
	}

	private ObjectNode translate(String request, String key) {
		HttpHeaders headers = new HttpHeaders();
		headers.setBearerAuth(key);
		return translate(request, JSON.createArrayNode(), BridgeContext.forRequest(JSON.readTree(request), headers));
	}

	private ObjectNode translate(String request, ArrayNode previous, BridgeContext context) {
		return ResponsesRequestTranslator.translate(JSON.readTree(request), previous, context, leftOut::add);
	}

	private static BridgeContext context(String request) {
		HttpHeaders headers = new HttpHeaders();
		headers.setBearerAuth("sk-test");
		return BridgeContext.forRequest(JSON.readTree(request), headers);
	}

}
