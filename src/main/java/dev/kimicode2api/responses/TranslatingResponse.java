package dev.kimicode2api.responses;

import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import dev.kimicode2api.store.StoreWrite;
import dev.kimicode2api.wire.ApiException;
import dev.kimicode2api.wire.ChatChunk;
import dev.kimicode2api.wire.RequestContext;
import dev.kimicode2api.wire.SseBatch;
import dev.kimicode2api.wire.SseEvent;

/**
 * The response half of the bridge: the chat completion the upstream sends, plain or streamed, as the Responses form the
 * client asked for, from what the answer's first reader read (its plain answer, or its stream's events, each
 * translated as it arrives), and the finished response stored ({@link StoredResponses}).
 */
final class TranslatingResponse extends ServerHttpResponseDecorator {

	private static final Logger log = LoggerFactory.getLogger(TranslatingResponse.class);

	private final BridgeContext context;

	/** Where the answer's first reader put the plain answer it read. */
	private final RequestContext request;

	private final StoredResponses stored;

	TranslatingResponse(ServerHttpResponse delegate, BridgeContext context, RequestContext request,
			StoredResponses stored) {
		super(delegate);
		this.context = context;
		this.request = request;
		this.stored = stored;
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
			return stored.save(context, assembler)
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
		Stream stream = new Stream(assembler);
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
		StoreWrite saved = new StoreWrite(() -> stored.save(context, assembler));
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

	/** A 2xx answer the bridge cannot translate: the upstream's failure, a 502 as any other. */
	private static ApiException unreadable(String what) {
		return new ApiException(HttpStatus.BAD_GATEWAY, "The upstream answered with " + what
				+ ", which cannot be translated into a response", null, null);
	}

	/** The SSE side of a translated stream: chat events in, Responses events out, numbered. */
	private static final class Stream {

		private final ResponseAssembler assembler;

		private boolean ended;

		private boolean completed;

		Stream(ResponseAssembler assembler) {
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
