import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fast fake OpenAI-compatible upstream for the benchmark, JDK classes only.
 *
 * <pre>java bench/FakeUpstream.java PORT [LOOPS]</pre>
 *
 * Listens on 127.0.0.1:PORT, HTTP/1.1 with keep-alive (and pipelining), NIO: one acceptor thread hands connections
 * round-robin to LOOPS selector threads (default 2), so thousands of idle or slow connections cost no threads.
 *
 * <ul>
 * <li>{@code POST .../chat/completions}: a fixed ~300-byte {@code chat.completion} JSON; when the body holds
 * {@code "stream":true}, a {@code text/event-stream} (chunked) of N events, one every GAP ms, then
 * {@code data: [DONE]}. N and GAP come from the query ({@code ?events=20&gap_ms=50}) or the headers
 * {@code X-Events} / {@code X-Gap-Ms} (defaults 20 and 50). The first event follows the headers after one gap. Each
 * event carries {@code "ts_us"}: the wall-clock time (microseconds since the epoch) at which it was written.</li>
 * <li>Every answer to a chat completion carries {@code X-Fake-Path}, {@code X-Fake-Body-Bytes} and
 * {@code X-Fake-Thinking} (true when the body held {@code "thinking":true} or {@code {"type":"enabled"}}), so a harness can check what arrived.</li>
 * <li>{@code GET .../v1/models}: Kimi For Coding's model catalogue (as it answers in 2026), counted;
 * {@code GET /stats}: {@code {"models":N}}, how many times the catalogue was asked for.</li>
 * <li>{@code POST .../v1/traces} and {@code .../v1/metrics}: 200 and nothing else, a collector that takes every
 * OTLP export.</li>
 * <li>Any other {@code GET}: 200 {@code {"status":"fake"}}. Anything else: 404.</li>
 * </ul>
 * Request bodies may be sent with Content-Length or chunked. It stops on SIGTERM/SIGINT.
 */
public class FakeUpstream {

	static final byte[] CHAT_JSON = ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
			+ "\"model\":\"kimi-for-coding\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
			+ "\"content\":\"Hello! This is the fixed answer of the benchmark's fake upstream.\"},"
			+ "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":15,"
			+ "\"total_tokens\":27}}").getBytes(StandardCharsets.US_ASCII);

	static final byte[] OK_JSON = "{\"status\":\"fake\"}".getBytes(StandardCharsets.US_ASCII);

	static final byte[] NOT_FOUND_JSON = "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}"
		.getBytes(StandardCharsets.US_ASCII);

	static final byte[] MODELS_JSON = ("{\"object\":\"list\",\"data\":["
			+ "{\"id\":\"kimi-for-coding\",\"object\":\"model\",\"display_name\":\"K2.8 Preview\",\"context_length\":1048576,"
			+ "\"supports_reasoning\":true,\"supports_thinking_type\":\"only\",\"think_efforts\":{\"support\":true,"
			+ "\"valid_efforts\":[\"low\",\"high\",\"max\"],\"default_effort\":\"max\"}},"
			+ "{\"id\":\"k3\",\"object\":\"model\",\"display_name\":\"K3\",\"context_length\":262144,"
			+ "\"supports_reasoning\":true,\"supports_thinking_type\":\"both\",\"think_efforts\":{\"support\":true,"
			+ "\"valid_efforts\":[\"low\",\"high\",\"max\"],\"default_effort\":\"max\"}}],\"has_more\":false}")
		.getBytes(StandardCharsets.US_ASCII);

	static final byte[] ENABLED = "\"enabled\"".getBytes(StandardCharsets.US_ASCII);

	static final byte[] CLOSE_BRACE = { '}' };

	static final AtomicLong modelRequests = new AtomicLong();

	static final AtomicLong requests = new AtomicLong();

	static final AtomicLong streamsDone = new AtomicLong();

	public static void main(String[] args) throws Exception {
		if (args.length < 1) {
			System.err.println("usage: java FakeUpstream.java PORT [LOOPS]");
			System.exit(2);
		}
		int port = Integer.parseInt(args[0]);
		int loops = args.length > 1 ? Integer.parseInt(args[1]) : 2;
		ServerSocketChannel server = ServerSocketChannel.open();
		server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
		server.bind(new InetSocketAddress("127.0.0.1", port), 8192);
		Loop[] all = new Loop[loops];
		for (int i = 0; i < loops; i++) {
			all[i] = new Loop();
			Thread t = new Thread(all[i], "fake-loop-" + i);
			t.setDaemon(true);
			t.start();
		}
		System.out.println("fake upstream listening on 127.0.0.1:" + port + " with " + loops + " loops");
		System.out.flush();
		int next = 0;
		while (true) {
			SocketChannel ch;
			try {
				ch = server.accept();
			}
			catch (IOException e) {
				// e.g. too many open files: back off a little and go on
				System.err.println("accept failed: " + e);
				Thread.sleep(10);
				continue;
			}
			ch.configureBlocking(false);
			ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
			all[next].add(ch);
			next = (next + 1) % loops;
		}
	}

	/** One selector thread: reads requests, writes answers, and fires the due stream events. */
	static final class Loop implements Runnable {

		final Selector selector;

		final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();

		final PriorityQueue<Conn> timers = new PriorityQueue<>((a, b) -> Long.compare(a.nextDue, b.nextDue));

		final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);

		Loop() throws IOException {
			this.selector = Selector.open();
		}

		void add(SocketChannel ch) {
			incoming.add(ch);
			selector.wakeup();
		}

		@Override
		public void run() {
			while (true) {
				try {
					long timeout = 0;
					Conn first = timers.peek();
					if (first != null) {
						long waitNanos = first.nextDue - System.nanoTime();
						timeout = waitNanos <= 0 ? -1 : Math.max(1, waitNanos / 1_000_000);
					}
					if (timeout < 0) {
						selector.selectNow();
					}
					else {
						selector.select(timeout);
					}
					SocketChannel ch;
					while ((ch = incoming.poll()) != null) {
						Conn c = new Conn(this, ch);
						try {
							c.key = ch.register(selector, SelectionKey.OP_READ, c);
						}
						catch (IOException e) {
							c.close();
						}
					}
					Iterator<SelectionKey> it = selector.selectedKeys().iterator();
					while (it.hasNext()) {
						SelectionKey key = it.next();
						it.remove();
						Conn c = (Conn) key.attachment();
						try {
							if (key.isValid() && key.isWritable()) {
								c.flush();
							}
							if (key.isValid() && key.isReadable()) {
								c.onReadable();
							}
						}
						catch (IOException | RuntimeException e) {
							c.close();
						}
					}
					long now = System.nanoTime();
					while (!timers.isEmpty() && timers.peek().nextDue <= now) {
						Conn c = timers.poll();
						try {
							c.fireEvent();
						}
						catch (IOException | RuntimeException e) {
							c.close();
						}
					}
				}
				catch (IOException e) {
					System.err.println("loop error: " + e);
				}
			}
		}

	}

	/** One client connection: its read buffer, its pending writes and, while it streams, its stream state. */
	static final class Conn {

		final Loop loop;

		final SocketChannel ch;

		SelectionKey key;

		byte[] in = new byte[8192];

		int inLen;

		final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();

		boolean closed;

		boolean closeWhenFlushed;

		// stream state
		boolean streaming;

		int eventsLeft;

		int eventsTotal;

		long gapNanos;

		long nextDue;

		Conn(Loop loop, SocketChannel ch) {
			this.loop = loop;
			this.ch = ch;
		}

		void onReadable() throws IOException {
			ByteBuffer rb = loop.readBuffer;
			while (true) {
				rb.clear();
				int n = ch.read(rb);
				if (n < 0) {
					close();
					return;
				}
				if (n == 0) {
					break;
				}
				rb.flip();
				ensure(inLen + n);
				rb.get(in, inLen, n);
				inLen += n;
				if (n < rb.capacity()) {
					break;
				}
			}
			process();
		}

		void ensure(int size) {
			if (size > in.length) {
				int cap = in.length;
				while (cap < size) {
					cap *= 2;
				}
				byte[] bigger = new byte[cap];
				System.arraycopy(in, 0, bigger, 0, inLen);
				in = bigger;
			}
		}

		/** Handles every complete request in the buffer (pipelining), but none while a stream is running. */
		void process() throws IOException {
			int pos = 0;
			while (!streaming && !closed) {
				int headerEnd = indexOf(in, pos, inLen, CRLFCRLF);
				if (headerEnd < 0) {
					if (inLen - pos > 64 * 1024) {
						close();
						return;
					}
					break;
				}
				String head = new String(in, pos, headerEnd - pos, StandardCharsets.ISO_8859_1);
				int bodyStart = headerEnd + 4;
				String[] lines = head.split("\r\n");
				String[] requestLine = lines[0].split(" ");
				if (requestLine.length < 3) {
					close();
					return;
				}
				String method = requestLine[0];
				String target = requestLine[1];
				long contentLength = 0;
				boolean chunked = false;
				boolean connectionClose = requestLine[2].equals("HTTP/1.0");
				String eventsHeader = null;
				String gapHeader = null;
				for (int i = 1; i < lines.length; i++) {
					int colon = lines[i].indexOf(':');
					if (colon < 0) {
						continue;
					}
					String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
					String value = lines[i].substring(colon + 1).trim();
					switch (name) {
						case "content-length" -> contentLength = Long.parseLong(value);
						case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
						case "connection" -> {
							String v = value.toLowerCase(Locale.ROOT);
							if (v.contains("close")) {
								connectionClose = true;
							}
							else if (v.contains("keep-alive")) {
								connectionClose = false;
							}
						}
						case "x-events" -> eventsHeader = value;
						case "x-gap-ms" -> gapHeader = value;
						default -> {
						}
					}
				}
				byte[] body;
				int consumedTo;
				if (chunked) {
					ByteBuffer decoded = decodeChunked(bodyStart);
					if (decoded == null) {
						break; // incomplete
					}
					body = new byte[decoded.remaining()];
					decoded.get(body);
					consumedTo = decodedEnd;
				}
				else {
					if (inLen - bodyStart < contentLength) {
						ensure((int) (bodyStart + contentLength));
						break; // incomplete
					}
					body = null; // read in place
					consumedTo = (int) (bodyStart + contentLength);
				}
				byte[] src = body != null ? body : in;
				int from = body != null ? 0 : bodyStart;
				int to = body != null ? body.length : consumedTo;
				handle(method, target, src, from, to, eventsHeader, gapHeader, connectionClose);
				pos = consumedTo;
				if (connectionClose) {
					closeWhenFlushed = true;
					if (out.isEmpty() && !streaming) {
						close();
					}
					return;
				}
			}
			if (pos > 0) {
				System.arraycopy(in, pos, in, 0, inLen - pos);
				inLen -= pos;
				if (in.length > 64 * 1024 && inLen < 8192) {
					byte[] small = new byte[8192];
					System.arraycopy(in, 0, small, 0, inLen);
					in = small;
				}
			}
		}

		int decodedEnd;

		/** Decodes a chunked body starting at {@code start}, or null when it is not complete yet. */
		ByteBuffer decodeChunked(int start) {
			int p = start;
			ByteBuffer result = ByteBuffer.allocate(Math.max(16, inLen - start));
			while (true) {
				int lineEnd = indexOf(in, p, inLen, CRLF);
				if (lineEnd < 0) {
					return null;
				}
				String sizeText = new String(in, p, lineEnd - p, StandardCharsets.ISO_8859_1);
				int semi = sizeText.indexOf(';');
				if (semi >= 0) {
					sizeText = sizeText.substring(0, semi);
				}
				int size = Integer.parseInt(sizeText.trim(), 16);
				p = lineEnd + 2;
				if (size == 0) {
					// trailers until an empty line
					while (true) {
						int end = indexOf(in, p, inLen, CRLF);
						if (end < 0) {
							return null;
						}
						boolean empty = end == p;
						p = end + 2;
						if (empty) {
							break;
						}
					}
					decodedEnd = p;
					result.flip();
					return result;
				}
				if (inLen - p < size + 2) {
					return null;
				}
				result.put(in, p, size);
				p += size + 2;
			}
		}

		void handle(String method, String target, byte[] body, int from, int to, String eventsHeader,
				String gapHeader, boolean connectionClose) throws IOException {
			requests.incrementAndGet();
			int q = target.indexOf('?');
			String path = q < 0 ? target : target.substring(0, q);
			String query = q < 0 ? "" : target.substring(q + 1);
			String conn = connectionClose ? "Connection: close\r\n" : "";
			if (method.equals("POST") && path.endsWith("/chat/completions")) {
				boolean stream = hasTrue(body, from, to, STREAM_KEY);
				boolean thinking = hasTrue(body, from, to, THINKING_KEY);
				String extra = "X-Fake-Path: " + path + "\r\nX-Fake-Body-Bytes: " + (to - from) + "\r\nX-Fake-Thinking: "
						+ thinking + "\r\n";
				if (!stream) {
					send(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + CHAT_JSON.length
							+ "\r\n" + extra + conn + "\r\n").getBytes(StandardCharsets.ISO_8859_1), CHAT_JSON);
					return;
				}
				int events = intParam(query, "events", eventsHeader, 20);
				int gapMs = intParam(query, "gap_ms", gapHeader, 50);
				send(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
						+ "Transfer-Encoding: chunked\r\n" + extra + conn + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
				streaming = true;
				eventsTotal = Math.max(0, events);
				eventsLeft = eventsTotal;
				gapNanos = Math.max(0, gapMs) * 1_000_000L;
				nextDue = System.nanoTime() + gapNanos;
				loop.timers.add(this);
				return;
			}
			if (method.equals("POST") && (path.endsWith("/v1/traces") || path.endsWith("/v1/metrics"))) {
				// an OTLP/HTTP collector that takes everything (bench/budget.sh's traced variant)
				send(("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n" + conn
						+ "\r\n").getBytes(StandardCharsets.ISO_8859_1));
				return;
			}
			if (method.equals("GET")) {
				byte[] answer = OK_JSON;
				if (path.endsWith("/v1/models")) {
					modelRequests.incrementAndGet();
					answer = MODELS_JSON;
				}
				else if (path.equals("/stats")) {
					answer = ("{\"models\":" + modelRequests.get() + "}").getBytes(StandardCharsets.US_ASCII);
				}
				send(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length + "\r\n"
						+ conn + "\r\n").getBytes(StandardCharsets.ISO_8859_1), answer);
				return;
			}
			send(("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
					+ NOT_FOUND_JSON.length + "\r\n" + conn + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
					NOT_FOUND_JSON);
		}

		/** Writes the next stream event (or, after the last, {@code [DONE]} and the end of the body). */
		void fireEvent() throws IOException {
			if (closed || !streaming) {
				return;
			}
			if (eventsLeft > 0) {
				int seq = eventsTotal - eventsLeft;
				eventsLeft--;
				Instant now = Instant.now();
				long tsMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
				String finish = eventsLeft == 0 ? "\"stop\"" : "null";
				String usage = eventsLeft == 0 ? ",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + eventsTotal
						+ ",\"total_tokens\":" + (12 + eventsTotal) + "}" : "";
				String data = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
						+ "\"model\":\"kimi-for-coding\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token " + seq
						+ " \"},\"finish_reason\":" + finish + "}]" + usage + ",\"seq\":" + seq + ",\"ts_us\":" + tsMicros
						+ "}\n\n";
				sendChunk(data.getBytes(StandardCharsets.US_ASCII));
				if (eventsLeft > 0) {
					nextDue += gapNanos;
					loop.timers.add(this);
				}
				else {
					// [DONE] follows the last event at once
					nextDue = System.nanoTime();
					loop.timers.add(this);
				}
				return;
			}
			byte[] done = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
			send(chunkHeader(done.length), done, "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			streaming = false;
			streamsDone.incrementAndGet();
			if (closeWhenFlushed) {
				if (out.isEmpty()) {
					close();
				}
				return;
			}
			if (inLen > 0) {
				process();
			}
		}

		void sendChunk(byte[] data) throws IOException {
			send(chunkHeader(data.length), data, CRLF);
		}

		static byte[] chunkHeader(int length) {
			return (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
		}

		void send(byte[]... parts) throws IOException {
			int total = 0;
			for (byte[] p : parts) {
				total += p.length;
			}
			ByteBuffer b = ByteBuffer.allocate(total);
			for (byte[] p : parts) {
				b.put(p);
			}
			b.flip();
			out.add(b);
			flush();
		}

		void flush() throws IOException {
			if (closed) {
				return;
			}
			while (!out.isEmpty()) {
				ByteBuffer b = out.peek();
				ch.write(b);
				if (b.hasRemaining()) {
					key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
					return;
				}
				out.poll();
			}
			if (key.isValid()) {
				key.interestOps(SelectionKey.OP_READ);
			}
			if (closeWhenFlushed && !streaming) {
				close();
			}
		}

		void close() {
			if (closed) {
				return;
			}
			closed = true;
			streaming = false;
			try {
				ch.close();
			}
			catch (IOException ignored) {
			}
		}

	}

	static final byte[] CRLFCRLF = { '\r', '\n', '\r', '\n' };

	static final byte[] CRLF = { '\r', '\n' };

	static final byte[] STREAM_KEY = "\"stream\"".getBytes(StandardCharsets.US_ASCII);

	static final byte[] THINKING_KEY = "\"thinking\"".getBytes(StandardCharsets.US_ASCII);

	static int indexOf(byte[] a, int from, int to, byte[] needle) {
		outer: for (int i = from; i <= to - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (a[i + j] != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	/** True when {@code "key"} appears followed by optional blanks, a colon, optional blanks and {@code true}. */
	static boolean hasTrue(byte[] a, int from, int to, byte[] key) {
		int p = from;
		while (true) {
			int i = indexOf(a, p, to, key);
			if (i < 0) {
				return false;
			}
			int j = i + key.length;
			while (j < to && (a[j] == ' ' || a[j] == '\t' || a[j] == '\n' || a[j] == '\r')) {
				j++;
			}
			if (j < to && a[j] == ':') {
				j++;
				while (j < to && (a[j] == ' ' || a[j] == '\t' || a[j] == '\n' || a[j] == '\r')) {
					j++;
				}
				if (j + 4 <= to && a[j] == 't' && a[j + 1] == 'r' && a[j + 2] == 'u' && a[j + 3] == 'e') {
					return true;
				}
				// today's form: {"type":"enabled"}
				int close = j < to && a[j] == '{' ? indexOf(a, j, to, CLOSE_BRACE) : -1;
				if (close > 0 && indexOf(a, j, close, ENABLED) >= 0) {
					return true;
				}
			}
			p = i + 1;
		}
	}

	static int intParam(String query, String name, String header, int fallback) {
		for (String part : query.split("&")) {
			int eq = part.indexOf('=');
			if (eq > 0 && part.substring(0, eq).equals(name)) {
				try {
					return Integer.parseInt(part.substring(eq + 1));
				}
				catch (NumberFormatException ignored) {
				}
			}
		}
		if (header != null) {
			try {
				return Integer.parseInt(header);
			}
			catch (NumberFormatException ignored) {
			}
		}
		return fallback;
	}

}
