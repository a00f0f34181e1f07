package dev.kimicode2api.responses;

import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ServerWebExchange;

import dev.kimicode2api.FilterOrder;
import dev.kimicode2api.metrics.GatewayMetrics;
import dev.kimicode2api.rewrite.RequestTranslation;
import dev.kimicode2api.routing.RouteSettingsRegistry;
import dev.kimicode2api.store.AgentStore;
import dev.kimicode2api.store.Credential;
import dev.kimicode2api.store.StoreProperties;
import dev.kimicode2api.store.StoreWrite;
import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.InvalidBodyException;
import dev.kimicode2api.wire.Json;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseBatch;
import dev.kimicode2api.wire.SseEvent;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * {@code - ResponsesBridge}: OpenAI's Responses API ({@code POST /v1/responses}, what Codex CLI and the OpenAI
 * Agents SDK speak) on a route whose upstream serves chat completions. The request is translated before the virtual
 * model and the repairs see it ({@link ResponsesRequestTranslator}) and sent to the route's {@code chat-path}; the
 * answer is translated back ({@link ResponseAssembler}), a stream event by event as each upstream event arrives.
 * Responses are stored (unless {@code store: false}) in the agent store, scoped to the client's key, for
 * {@code previous_response_id}, {@code GET} and {@code DELETE /v1/responses/{id}}.
 */
@Component
public class ResponsesBridgeGatewayFilterFactory
		extends AbstractGatewayFilterFactory<ResponsesBridgeGatewayFilterFactory.Config> {

	private static final Logger log = LoggerFactory.getLogger(ResponsesBridgeGatewayFilterFactory.class);

	static final String KIND = "response";

	/** Built-in tool types a client may send; any other name is counted as "other" (a bounded metric tag). */
	private static final Set<String> KNOWN_BUILT_INS = Set.of("web_search", "web_search_preview", "file_search",
			"computer_use_preview", "computer_use", "code_interpreter", "image_generation", "mcp", "local_shell",
			"shell", "apply_patch", "tool_search");

	private static final List<String> ECHOED = List.of("instructions", "max_output_tokens", "parallel_tool_calls",
			"previous_response_id", "reasoning", "temperature", "text", "tool_choice", "tools", "top_p", "user",
			"metadata");

	private final AgentStore store;

	private final StoreProperties storeProperties;

	private final GatewayMetrics metrics;

	/** Route and tool type already logged as left out: each is logged once, and counted every time. */
	private final Set<String> loggedDrops = ConcurrentHashMap.newKeySet();

	public ResponsesBridgeGatewayFilterFactory(AgentStore store, StoreProperties storeProperties,
			GatewayMetrics metrics) {
		super(Config.class);
		this.store = store;
		this.storeProperties = storeProperties;
		this.metrics = metrics;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("chatPath");
	}

	@Override
	public GatewayFilter apply(Config config) {
		if (config.getChatPath() == null || !RouteSettingsRegistry.isPath(config.getChatPath())) {
			throw new IllegalArgumentException("ResponsesBridge chat-path '" + config.getChatPath()
					+ "' must be a path such as /v1/chat/completions");
		}
		return new Filter(config.getChatPath());
	}

	public static class Config {

		/** Where the upstream serves chat completions, below the route's uri. */
		private String chatPath = "/v1/chat/completions";

		public String getChatPath() {
			return chatPath;
		}

		public Config setChatPath(String chatPath) {
			this.chatPath = chatPath;
			return this;
		}

	}

	private final class Filter implements GatewayFilter, Ordered, RequestTranslation {

		private final String chatPath;

		Filter(String chatPath) {
			this.chatPath = chatPath;
		}

		@Override
		public Mono<Chat> toChat(ServerWebExchange exchange, byte[] body) {
			if (responseId(exchange) != null) {
				return Mono.error(unknownPath(exchange)); // POST /v1/responses/{id}: nothing to bridge
			}
			JsonNode request;
			try {
				request = Json.MAPPER.readTree(body);
			}
			catch (JacksonException ex) {
				return Mono.error(new InvalidBodyException("The request body is not valid JSON: " + ex.getOriginalMessage()));
			}
			if (!request.isObject()) {
				return Mono.error(new InvalidBodyException("The request body must be a JSON object"));
			}
			if (!request.path("model").isString()) {
				return Mono.error(ApiException.invalid("model", "Missing required parameter: 'model'."));
			}
			HttpHeaders headers = exchange.getRequest().getHeaders();
			Credential owner = Credential.of(headers);
			byte[] key = Credential.keyBytes(headers);
			boolean wantsSeal = request.path("include").isArray()
					&& request.get("include").toString().contains("\"reasoning.encrypted_content\"");
			ObjectNode echo = Json.MAPPER.createObjectNode();
			for (String field : ECHOED) {
				echo.set(field, request.hasNonNull(field) ? request.get(field) : Json.MAPPER.nullNode());
			}
			if (echo.get("tools").isNull()) {
				echo.putArray("tools");
			}
			if (echo.get("tool_choice").isNull()) {
				echo.put("tool_choice", "auto");
			}
			if (echo.get("parallel_tool_calls").isNull()) {
				echo.put("parallel_tool_calls", true);
			}
			if (echo.get("text").isNull()) {
				echo.putObject("text").putObject("format").put("type", "text");
			}
			if (echo.get("reasoning").isNull()) {
				echo.putObject("reasoning").putNull("effort").putNull("summary");
			}
			if (echo.get("metadata").isNull()) {
				echo.putObject("metadata");
			}
			BridgeContext context = new BridgeContext(ResponseAssembler.newResponseId(), Instant.now().getEpochSecond(),
					request.get("model").asString(), request.path("stream").asBoolean(false),
					request.path("store").asBoolean(true), owner, key, wantsSeal, echo,
					Json.MAPPER.createArrayNode());
			context.attach(exchange);
			Route route = exchange.getRequiredAttribute(GATEWAY_ROUTE_ATTR);
			MediaType accept = context.stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON;
			return previousConversation(request, owner).map(previous -> {
				try {
					return new Chat(Json.MAPPER.writeValueAsBytes(ResponsesRequestTranslator
						.translate(request, previous, context, type -> droppedTool(route.getId(), type))), chatPath,
							accept);
				}
				catch (JacksonException ex) {
					// a value of a type the translator does not expect somewhere in the client's items
					throw new InvalidBodyException("The request could not be read as a Responses request: "
							+ ex.getOriginalMessage());
				}
			});
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			BridgeContext context = BridgeContext.of(exchange);
			if (context != null) { // a POST that toChat translated and pointed at the chat path
				return chain.filter(exchange.mutate()
					.response(new TranslatingResponse(exchange.getResponse(), context, RequestContext.of(exchange)))
					.build());
			}
			HttpMethod method = exchange.getRequest().getMethod();
			String id = responseId(exchange);
			if (id != null && !id.isEmpty() && !id.contains("/")) {
				if (method == HttpMethod.GET) {
					return retrieve(exchange, id);
				}
				if (method == HttpMethod.DELETE) {
					return delete(exchange, id);
				}
			}
			if (id != null) {
				return Mono.error(unknownPath(exchange));
			}
			if (method != HttpMethod.POST) { // the route's predicate lets GET and DELETE through for /{id}
				return Mono.error(new MethodNotAllowedException(method, Set.of(HttpMethod.POST)));
			}
			// not translated: start-up refuses a bridge on a route without models, whose bodies are never read
			return chain.filter(exchange);
		}

		@Override
		public int getOrder() {
			return FilterOrder.RESPONSES_BRIDGE;
		}

		@Override
		public String toString() {
			return "ResponsesBridge[POST /v1/responses as " + chatPath + "; GET/DELETE /v1/responses/{id} from the"
					+ " agent store]";
		}

	}

	/** What follows {@code /v1/responses/} in the path ({@code null} for any other path, the chat path among them). */
	private static @Nullable String responseId(ServerWebExchange exchange) {
		String path = exchange.getRequest().getPath().value();
		return path.startsWith("/v1/responses/") ? path.substring("/v1/responses/".length()) : null;
	}

	private static ApiException unknownPath(ServerWebExchange exchange) {
		return new ApiException(HttpStatus.NOT_FOUND, "Unknown path: " + exchange.getRequest().getMethod() + " "
				+ exchange.getRequest().getPath().value(), null, null);
	}

	private Mono<ArrayNode> previousConversation(JsonNode request, Credential owner) {
		JsonNode previous = request.get("previous_response_id");
		if (previous != null && !previous.isNull() && !previous.isString()) {
			return Mono.error(ApiException.invalid("previous_response_id",
					"Invalid type for 'previous_response_id': expected a string."));
		}
		String previousId = previous == null || previous.isNull() ? null : previous.asString();
		if (previousId == null) {
			return Mono.just(Json.MAPPER.createArrayNode());
		}
		Mono<Optional<String>> stored = owner == null ? Mono.just(Optional.empty()) : store.get(owner, KIND, previousId);
		return stored.map(found -> found.map(json -> (ArrayNode) Json.MAPPER.readTree(json)
			.get("conversation"))
			.orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "Previous response with id '" + previousId
					+ "' not found.", "previous_response_id", "previous_response_not_found")));
	}

	private Mono<Void> retrieve(ServerWebExchange exchange, String id) {
		Credential owner = Credential.of(exchange.getRequest().getHeaders());
		Mono<Optional<String>> stored = owner == null ? Mono.just(Optional.empty()) : store.get(owner, KIND, id);
		return stored.flatMap(found -> {
			if (found.isEmpty()) {
				return Mono.error(notFound(id));
			}
			JsonNode response = Json.MAPPER.readTree(found.get()).get("response");
			return writeJson(exchange.getResponse(), Json.MAPPER.writeValueAsBytes(response));
		});
	}

	private Mono<Void> delete(ServerWebExchange exchange, String id) {
		Credential owner = Credential.of(exchange.getRequest().getHeaders());
		Mono<Boolean> deleted = owner == null ? Mono.just(false) : store.delete(owner, KIND, id);
		return deleted.flatMap(existed -> existed
				? writeJson(exchange.getResponse(), Json.MAPPER.writeValueAsBytes(
						Json.MAPPER.createObjectNode().put("id", id).put("object", "response")
							.put("deleted", true)))
				: Mono.error(notFound(id)));
	}

	/** Another key's response is as unknown as one that never existed. */
	private static ApiException notFound(String id) {
		return new ApiException(HttpStatus.NOT_FOUND, "Response with id '" + id + "' not found.", null, null);
	}

	private static Mono<Void> writeJson(ServerHttpResponse response, byte[] json) {
		response.setStatusCode(HttpStatus.OK);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		response.getHeaders().setContentLength(json.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(json)));
	}

	private void droppedTool(String route, String type) {
		String tag = KNOWN_BUILT_INS.contains(type) ? type : "other";
		metrics.responsesToolLeftOut(route, tag);
		if (loggedDrops.add(route + " " + tag)) {
			log.info("Responses bridge on route {}: built-in tool '{}' left out, the upstream cannot run it (logged"
					+ " once; every one is counted in kimicode2api_responses_tools_left_out_total)", route, tag);
		}
	}

	/**
	 * Stores the finished response (its JSON as sent to the client) and its conversation, unless the client said
	 * {@code store: false}.
	 */
	private Mono<Void> save(BridgeContext context, ResponseAssembler assembler) {
		if (!context.store || context.owner == null) {
			return Mono.empty();
		}
		StringWriter record = new StringWriter(4096);
		try (JsonGenerator json = Json.MAPPER.createGenerator(record)) {
			json.writeStartObject();
			json.writeName("response");
			json.writeRawValue(assembler.responseText());
			json.writeArrayPropertyStart("conversation");
			for (JsonNode message : context.conversation) {
				json.writeTree(message);
			}
			json.writeTree(assembler.assistantMessage());
			json.writeEndArray();
			json.writeEndObject();
		}
		return store.put(context.owner, KIND, Map.of(context.responseId, record.toString()),
				storeProperties.responseTtl());
	}

	/** The chat completion (plain or streamed) the upstream sends, as the Responses form the client asked for. */
	private final class TranslatingResponse extends ServerHttpResponseDecorator {

		private final BridgeContext context;

		/** Where the answer's first reader put the plain answer it read. */
		private final RequestContext request;

		TranslatingResponse(ServerHttpResponse delegate, BridgeContext context, RequestContext request) {
			super(delegate);
			this.context = context;
			this.request = request;
		}

		private boolean successful() {
			HttpStatusCode status = getStatusCode();
			return status == null || status.is2xxSuccessful();
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			if (!successful() || !MediaType.APPLICATION_JSON.isCompatibleWith(getHeaders().getContentType())) {
				return super.writeWith(body);
			}
			long[] size = new long[1];
			return Flux.from(body).doOnNext(buffer -> {
				size[0] += buffer.readableByteCount();
				DataBufferUtils.release(buffer); // its first reader has read the answer: nothing of it goes on as it is
			}).then(Mono.defer(() -> {
				if (size[0] == 0) {
					return Mono.error(unreadable("an empty body"));
				}
				ChatChunk completion = request.plainAnswer();
				ResponseAssembler assembler = new ResponseAssembler(context, false);
				if (completion == null || !assembler.acceptCompletion(completion)) {
					return Mono.error(unreadable("a body that is not a chat completion"));
				}
				byte[] response = assembler.response();
				getHeaders().setContentLength(response.length);
				return save(context, assembler)
					.then(super.writeWith(Mono.fromSupplier(() -> bufferFactory().wrap(response))));
			}));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			if (!successful() || !MediaType.TEXT_EVENT_STREAM.isCompatibleWith(getHeaders().getContentType())) {
				return super.writeAndFlushWith(body);
			}
			getHeaders().remove(HttpHeaders.CONTENT_LENGTH);
			ResponseAssembler assembler = new ResponseAssembler(context, true);
			SseStream stream = new SseStream(assembler);
			Flux<Publisher<DataBuffer>> translated = SseBatch.of(body, bufferFactory())
				.map(stream::accept)
				.filter(bytes -> bytes.length > 0)
				.concatWith(Mono.fromSupplier(stream::end).filter(bytes -> bytes.length > 0))
				.onErrorResume(error -> {
					if (stream.ended()) {
						return Mono.empty(); // the client already has its terminal event
					}
					String message = error instanceof io.netty.handler.timeout.ReadTimeoutException
							? "no data from the upstream within kimicode.upstream.idle-timeout"
							: error instanceof RuntimeException && !(error instanceof ApiException)
									&& !(error.getCause() instanceof java.io.IOException)
									? "an upstream event could not be translated (" + error.getClass().getSimpleName() + ")"
									: "the upstream connection was closed (" + error.getClass().getSimpleName() + ")";
					log.warn("Upstream stream of {} ended by the gateway: {}", context.responseId, message);
					return Mono.just(stream.failed("Upstream stream interrupted: " + message));
				})
				.map(bytes -> Mono.fromSupplier(() -> bufferFactory().wrap(bytes)));
			StoreWrite saved = new StoreWrite(() -> save(context, assembler));
			return super.writeAndFlushWith(Flux.concat(Mono.just(stream.start()).map(bytes -> Mono
				.fromSupplier(() -> bufferFactory().wrap(bytes))), translated)
				.concatWith(Mono.defer(() -> stream.completed() ? saved.start() : Mono.empty()).then(Mono.empty()))
				// a client that leaves once it has response.completed (Codex does) must still find it stored
				.doOnCancel(() -> {
					if (stream.completed()) {
						saved.start();
					}
				}));
		}

	}

	/** A 2xx answer the bridge cannot translate: the upstream's failure, a 502 as any other. */
	private static ApiException unreadable(String what) {
		return new ApiException(HttpStatus.BAD_GATEWAY, "The upstream answered with " + what
				+ ", which cannot be translated into a response", null, null);
	}

	/** The SSE side of a translated stream: chat events in, Responses events out, numbered. */
	private static final class SseStream {

		private final ResponseAssembler assembler;

		private boolean ended;

		private boolean completed;

		SseStream(ResponseAssembler assembler) {
			this.assembler = assembler;
		}

		byte[] start() {
			assembler.start();
			return assembler.drain();
		}

		/** One batch of upstream events: the Responses events they make. */
		byte[] accept(SseBatch batch) {
			for (SseEvent event : batch.events()) {
				if (!ended) {
					translate(event);
				}
			}
			return assembler.drain();
		}

		/** The Responses events of one upstream event. */
		private void translate(SseEvent event) {
			if (event.isDone()) {
				done();
				return;
			}
			ChatChunk chunk = event.chunk();
			if (chunk == null) {
				return; // not a chunk: nothing to translate
			}
			if (chunk.error() != null && !chunk.error().isNull()) { // how OpenAI-compatible servers report a failure
				JsonNode error = chunk.error();
				fail("Upstream error: "
						+ (error.isString() ? error.asString() : error.path("message").asString("unknown")));
				return;
			}
			assembler.acceptChunk(chunk);
		}

		/** The end of the upstream stream: completed or failed. */
		byte[] end() {
			done();
			return assembler.drain();
		}

		/** Completed if the upstream said how it finished ({@code finish_reason}), else failed; once. */
		private void done() {
			if (ended) {
				return;
			}
			if (!assembler.finished()) {
				fail("Upstream stream ended before the response was complete");
				return;
			}
			ended = true;
			completed = true;
			assembler.finish();
		}

		/** {@code response.failed}, unless the stream has already ended (one terminal event, never two). */
		private void fail(String message) {
			if (ended) {
				return;
			}
			ended = true;
			assembler.fail(message);
		}

		/** After the upstream failed: {@code response.failed} (nothing if the stream has already ended). */
		byte[] failed(String message) {
			fail(message);
			return assembler.drain();
		}

		boolean completed() {
			return completed;
		}

		boolean ended() {
			return ended;
		}

	}

}
